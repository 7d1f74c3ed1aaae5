"""The provider's ``airflow:`` extension block (reference 2) -> ``AirflowSettings``.

attune ignores the key, so one file runs on both systems. Accepted value forms:

- ``schedule``: null (manual only), a preset (``@daily``, ``@once``, ...), a cron expression
  (``"*/5 * * * *"``), a timedelta mapping (``{minutes: 5}``; keys weeks/days/hours/minutes/
  seconds), an ISO-8601 duration (``PT5M``, ``P1D``) or a number of seconds. Durations become
  ``datetime.timedelta``; presets and cron text stay strings.
- ``start_date``: a YAML date/timestamp or ISO text, parsed with pendulum (UTC when naive).
- ``dagrun_timeout``: seconds, a timedelta mapping or an ISO-8601 duration -> ``timedelta``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum

from attune_provider.spec.model import AirflowSettings
from attune_provider.spec.report import Report, is_int, is_number, type_name
from attune_provider.spec.yaml_source import YamlPath

AIRFLOW_KEYS = frozenset(
    {
        "schedule", "start_date", "catchup", "max_active_runs", "dagrun_timeout",
        "owner", "pool", "queue", "default_retries", "tags",
    }
)  # fmt: skip
PRESETS = frozenset(
    {"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly", "@annually"}
)
TIMEDELTA_KEYS = frozenset({"weeks", "days", "hours", "minutes", "seconds", "milliseconds", "microseconds"})
_DURATION_HINT = "use seconds (300), a mapping like {minutes: 5}, or an ISO-8601 duration like PT5M"


def parse_airflow_block(report: Report, path: YamlPath, block: Any) -> AirflowSettings | None:
    if block is None:
        return None
    if not isinstance(block, dict):
        report.error(path, f"'airflow' must be a mapping of DAG settings, got {type_name(block)}")
        return None
    report.unknown_keys(path, block, AIRFLOW_KEYS, "airflow")
    errors_before = len(report.errors)
    values: dict[str, Any] = {}
    if "schedule" in block:
        values["schedule"] = _schedule(report, (*path, "schedule"), block["schedule"])
    if block.get("start_date") is not None:
        values["start_date"] = _start_date(report, (*path, "start_date"), block["start_date"])
    if "catchup" in block:
        catchup = block["catchup"]
        if isinstance(catchup, bool):
            values["catchup"] = catchup
        else:
            report.error(
                (*path, "catchup"), f"'airflow.catchup' must be true or false, got {type_name(catchup)}"
            )
    for key, minimum in (("max_active_runs", 1), ("default_retries", 0)):
        value = block.get(key)
        if value is None:
            continue
        if is_int(value) and value >= minimum:
            values[key] = value
        else:
            report.error((*path, key), f"'airflow.{key}' must be an integer >= {minimum}, got {value!r}")
    if block.get("dagrun_timeout") is not None:
        values["dagrun_timeout"] = _duration(report, (*path, "dagrun_timeout"), block["dagrun_timeout"])
    for key in ("owner", "pool", "queue"):
        value = block.get(key)
        if value is None:
            continue
        if isinstance(value, str) and value:
            values[key] = value
        else:
            report.error((*path, key), f"'airflow.{key}' must be non-empty text, got {type_name(value)}")
    tags = block.get("tags")
    if tags is not None:
        if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
            values["tags"] = tuple(tags)
        else:
            report.error((*path, "tags"), "'airflow.tags' must be a list of text values")
    if len(report.errors) > errors_before:
        return None
    return AirflowSettings(**values)


def _schedule(report: Report, path: YamlPath, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("@"):
            if text not in PRESETS:
                report.error(
                    path, f"unknown schedule preset {text!r}", "use one of " + ", ".join(sorted(PRESETS))
                )
            return text
        if text[:1] in ("P", "p") and " " not in text:
            return _duration(report, path, text)
        if not _valid_cron(text):
            report.error(
                path,
                f"schedule {text!r} is not a valid cron expression",
                "five fields: minute hour day-of-month month day-of-week, e.g. '*/5 * * * *'",
            )
        return text
    return _duration(report, path, value)


def _valid_cron(text: str) -> bool:
    try:
        from croniter import croniter
    except ImportError:  # pragma: no cover - croniter ships with Airflow
        return len(text.split()) in (5, 6)
    return bool(croniter.is_valid(text))


def _duration(report: Report, path: YamlPath, value: Any) -> dt.timedelta | None:
    name = f"airflow.{path[-1]}"
    if is_number(value) or isinstance(value, dict):
        if isinstance(value, dict) and (
            any(key not in TIMEDELTA_KEYS for key in value) or not all(is_number(v) for v in value.values())
        ):
            report.error(path, f"'{name}' has an invalid duration mapping {value!r}", _DURATION_HINT)
            return None
        try:
            delta = dt.timedelta(**value) if isinstance(value, dict) else dt.timedelta(seconds=value)
        except (OverflowError, ValueError):  # inf, nan, beyond timedelta's range
            delta = None
        if delta is None or delta <= dt.timedelta(0):
            report.error(path, f"'{name}' must be a positive, finite duration, got {value!r}", _DURATION_HINT)
            return None
        return delta
    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value.strip())
        except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError):
            parsed = None
        if isinstance(parsed, dt.timedelta):
            if parsed > dt.timedelta(0):
                return dt.timedelta(seconds=parsed.total_seconds())
            report.error(path, f"'{name}' must be a positive duration, got {value!r}", _DURATION_HINT)
            return None
        report.error(path, f"'{name}' {value!r} is not a duration", _DURATION_HINT)
        return None
    report.error(path, f"'{name}' must be a duration, got {type_name(value)}", _DURATION_HINT)
    return None


def _start_date(report: Report, path: YamlPath, value: Any) -> Any:
    try:
        if isinstance(value, dt.datetime):
            return pendulum.instance(value, tz="UTC")
        if isinstance(value, dt.date):
            return pendulum.datetime(value.year, value.month, value.day, tz="UTC")
        if isinstance(value, str):
            parsed = pendulum.parse(value.strip(), tz="UTC")
            if isinstance(parsed, pendulum.DateTime):
                return parsed
            if isinstance(parsed, pendulum.Date):
                return pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")
    except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError):
        pass
    report.error(
        path,
        f"'airflow.start_date' {value!r} is not a date",
        "use an ISO date or timestamp, e.g. 2024-01-01 or '2024-01-01T06:00:00+02:00'",
    )
    return None
