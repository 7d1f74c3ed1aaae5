"""attune's timer triggers -> exact Airflow schedules (``TimerSchedule``), or located errors.

What attune does is read from its timer sensor (attune-system/attune
``crates/core-timer-sensor/src/types.rs`` ``TimerConfig::from_trigger_params`` and
``timer_manager.rs``), the rule's ``trigger_params`` being the timer's configuration:

* ``core.intervaltimer``: ``interval`` (integer > 0) and ``unit`` (seconds, minutes, hours,
  days; default seconds) -> a fixed interval;
* ``core.crontimer``: ``expression`` parsed by tokio-cron-scheduler 0.15 with croner: six
  fields, seconds first, seconds required, and day-of-month AND day-of-week when both are
  restricted (``dom_and_dow(true)``; classic cron, and so Airflow, ORs them);
* ``core.datetimetimer``: ``fire_at`` (RFC 3339) -> one run at that instant;
* ``core.rruletimer``: ``dtstart`` plus ``rule`` (an RRULE body) or the structured fields
  ``freq``, ``interval``, ``count``, ``until``, ``by_*``, ``week_start``, and ``timezone``.

Airflow's cron has minute resolution and ORs the two day fields, and it has no recurrence
rule timetable, so only what maps exactly is translated; anything else is an error at the
field, never an approximate schedule.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from attune_provider.spec.model import TimerSchedule
from attune_provider.spec.report import Report, is_int, type_name
from attune_provider.spec.yaml_source import YamlPath

INTERVAL, CRON, DATETIME, RRULE = (
    "core.intervaltimer",
    "core.crontimer",
    "core.datetimetimer",
    "core.rruletimer",
)
TIMER_TRIGGERS = (INTERVAL, CRON, DATETIME, RRULE)
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
#: croner's nicknames (seconds-required parser) as 5-field Airflow cron
NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_PLAIN_FIELD = re.compile(r"^[0-9A-Za-z*,/-]+$")
_RANGE = re.compile(r"^(\d+)-(\d+)")
#: when a schedule has no start of its own: runs begin at the first tick after the DAG is unpaused
EPOCH = (2025, 1, 1)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_CRON_DOW = {"MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6, "SU": 0}


def translate_timer(report: Report, path: YamlPath, trigger_ref: str, params: Any) -> TimerSchedule | None:
    """The schedule of a timer rule's ``trigger_params`` (at ``path``); None after an error."""
    if not isinstance(params, dict):
        report.error(
            path, f"'trigger_params' of a {trigger_ref} rule must be a mapping, got {type_name(params)}"
        )
        return None
    if trigger_ref == INTERVAL:
        return _interval(report, path, params)
    if trigger_ref == CRON:
        return _cron(report, path, params)
    if trigger_ref == DATETIME:
        return _datetime(report, path, params)
    return _rrule(report, path, params)


def _epoch() -> Any:
    import pendulum

    return pendulum.datetime(*EPOCH, tz="UTC")


def _interval(report: Report, path: YamlPath, params: dict) -> TimerSchedule | None:
    interval: Any = params.get("interval")
    unit = params.get("unit", "seconds")
    ok = True
    if not (is_int(interval) and interval > 0):
        report.error((*path, "interval") if "interval" in params else path,
                     f"core.intervaltimer needs 'interval', a positive integer, got {interval!r}")  # fmt: skip
        ok = False
    if unit not in UNITS:
        report.error((*path, "unit"), f"unknown interval unit {unit!r}", "use one of " + ", ".join(UNITS))
        ok = False
    if not ok:
        return None
    every = timedelta(seconds=interval * UNITS[unit])
    return TimerSchedule(kind="interval", every=every, start_date=_epoch(), trigger_ref=INTERVAL)


def _timezone(report: Report, path: YamlPath, value: Any) -> str | None:
    if value is None:
        return "UTC"
    import pendulum

    try:
        pendulum.timezone(str(value))
    except Exception:
        report.error(path, f"unknown timezone {value!r}", "use an IANA name such as 'Europe/Berlin' or 'UTC'")
        return None
    return str(value)


def cron_to_airflow(expression: str) -> tuple[str | None, str | None]:
    """attune's 6-field cron -> (5-field Airflow cron, None) or (None, why it is not exact)."""
    text = expression.strip()
    if text.lower() in NICKNAMES:
        return NICKNAMES[text.lower()], None
    fields = text.split()
    if len(fields) == 7:
        return None, f"cron expression {expression!r} has a year field, which Airflow's cron has not"
    if len(fields) != 6:
        return None, (
            f"cron expression {expression!r} has {len(fields)} fields; attune's cron timer takes 6, "
            "seconds first (e.g. '0 30 9 * * *' = 09:30:00 daily)"
        )
    seconds, minute, hour, dom, month, dow = fields
    if seconds not in ("0", "00"):
        return None, (
            f"cron expression {expression!r} fires on second {seconds!r}; Airflow schedules have minute "
            "resolution, so only a seconds field of 0 translates exactly"
        )
    for name, value in (("minute", minute), ("hour", hour), ("day-of-month", dom), ("month", month),
                        ("day-of-week", dow)):  # fmt: skip
        if value == "?":
            continue
        if not _PLAIN_FIELD.match(value) or re.search(r"[LW#]", value.upper().replace("WED", "")):
            return None, (
                f"cron expression {expression!r}: the {name} field {value!r} uses syntax (L, W, #, ...) "
                "whose meaning differs between attune's cron parser (croner) and Airflow's"
            )
        for part in value.split(","):
            match = _RANGE.match(part)
            if match and int(match.group(1)) > int(match.group(2)):
                return None, f"cron expression {expression!r}: wrapping range {part!r} in the {name} field"
    restricted = [v for v in (dom, dow) if v not in ("*", "?")]
    if len(restricted) == 2:
        return None, (
            f"cron expression {expression!r} restricts both day-of-month and day-of-week: attune fires when "
            "BOTH match, Airflow (classic cron) when EITHER matches"
        )
    return " ".join(v if v != "?" else "*" for v in (minute, hour, dom, month, dow)), None


def _cron(report: Report, path: YamlPath, params: dict) -> TimerSchedule | None:
    expression = params.get("expression")
    if not isinstance(expression, str) or not expression.strip():
        report.error((*path, "expression") if "expression" in params else path,
                     f"core.crontimer needs 'expression', a cron text, got {expression!r}")  # fmt: skip
        return None
    cron, why = cron_to_airflow(expression)
    if cron is None:
        report.error((*path, "expression"), why or "", "write a seconds field of 0, or schedule the workflow "
                     "yourself with `airflow: {schedule: ...}`")  # fmt: skip
        return None
    invalid = _invalid_cron(cron)
    if invalid:
        report.error((*path, "expression"), f"cron expression {expression!r} is not valid: {invalid}")
        return None
    tz = _timezone(report, (*path, "timezone"), params.get("timezone"))
    if tz is None:
        return None
    if tz.upper() not in ("UTC", "ETC/UTC"):
        # attune's code wins over its docs: the timer sensor (types.rs, TimerConfig::Cron) has no timezone
        # and fires in UTC, so the DAG does too; a user who wants local time says so in `airflow: schedule`
        report.warn(
            (*path, "timezone"),
            f"cron timer timezone {tz!r} is ignored, as attune's timer sensor (types.rs, TimerConfig::Cron) "
            "ignores it: the DAG fires in UTC like attune does (for local times, drop the rule's timer and set "
            "`airflow: schedule` with a timezone-aware start_date)",
            "cron-timezone",
        )
    return TimerSchedule(kind="cron", cron=cron, timezone="UTC", start_date=_epoch(), trigger_ref=CRON)


def _invalid_cron(cron: str) -> str | None:
    """Airflow's own cron check (croniter), when Airflow is importable."""
    try:
        from croniter import croniter
    except ImportError:  # pragma: no cover - croniter comes with Airflow
        return None
    try:
        croniter(cron)
    except Exception as exc:  # croniter raises several error types
        return str(exc)
    return None


def _instant(report: Report, path: YamlPath, value: Any, what: str) -> Any:
    """An RFC 3339 instant (attune's ``DateTime<Utc>``), as a pendulum DateTime in UTC."""
    import pendulum

    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    else:
        moment = None
    if moment is None or moment.tzinfo is None:
        report.error(path, f"'{what}' must be an RFC 3339 date-time with an offset (e.g. 2026-12-31T23:59:00Z), "
                     f"got {value!r}")  # fmt: skip
        return None
    return pendulum.instance(moment).in_timezone("UTC")


def _datetime(report: Report, path: YamlPath, params: dict) -> TimerSchedule | None:
    if "fire_at" not in params:
        report.error(path, "core.datetimetimer needs 'fire_at', an RFC 3339 date-time")
        return None
    at = _instant(report, (*path, "fire_at"), params["fire_at"], "fire_at")
    if at is None:
        return None
    import pendulum

    if at <= pendulum.now("UTC"):
        report.warn(
            (*path, "fire_at"),
            f"fire_at {at.isoformat()} is in the past: attune refuses to start this timer, Airflow runs "
            "an @once DAG right away when it is unpaused",
            "datetime-past",
        )
    return TimerSchedule(kind="once", start_date=at, trigger_ref=DATETIME)


# --- core.rruletimer ---------------------------------------------------------------------------


def _rrule_fields(report: Report, path: YamlPath, params: dict) -> dict[str, Any] | None:
    """The RRULE parts as ``{FREQ: 'DAILY', BYHOUR: [9], ...}`` from ``rule`` or the fields."""
    raw = params.get("rule")
    if isinstance(raw, str) and raw.strip():
        parts: dict[str, Any] = {}
        body = raw.strip()
        body = body[len("RRULE:") :] if body.upper().startswith("RRULE:") else body
        for item in filter(None, (p.strip() for p in body.split(";"))):
            key, _, value = item.partition("=")
            parts[key.strip().upper()] = value.strip()
        for key, value in list(parts.items()):
            if key.startswith("BY") and key != "BYDAY":
                try:
                    parts[key] = [int(v) for v in value.split(",")]
                except ValueError:
                    report.error((*path, "rule"), f"RRULE part {key}={value} is not a list of integers")
                    return None
            elif key == "BYDAY":
                parts[key] = [v.strip().upper() for v in value.split(",")]
        return parts
    freq = params.get("freq")
    if not isinstance(freq, str):
        report.error(path, "core.rruletimer needs 'freq' (or a raw 'rule')")
        return None
    parts = {"FREQ": freq.upper()}
    names = {"interval": "INTERVAL", "count": "COUNT", "until": "UNTIL", "by_day": "BYDAY",
             "by_month_day": "BYMONTHDAY", "by_month": "BYMONTH", "by_year_day": "BYYEARDAY",
             "by_week_no": "BYWEEKNO", "by_hour": "BYHOUR", "by_minute": "BYMINUTE",
             "by_second": "BYSECOND", "by_set_pos": "BYSETPOS", "week_start": "WKST"}  # fmt: skip
    for field, key in names.items():
        if field in params:
            value = params[field]
            parts[key] = (
                [str(v).upper() for v in value] if key == "BYDAY" and isinstance(value, list) else value
            )
    return parts


def _rrule(report: Report, path: YamlPath, params: dict) -> TimerSchedule | None:
    parts = _rrule_fields(report, path, params)
    if parts is None:
        return None
    if "dtstart" not in params:
        report.error(path, "core.rruletimer needs 'dtstart', an RFC 3339 date-time")
        return None
    start = _instant(report, (*path, "dtstart"), params["dtstart"], "dtstart")
    tz = _timezone(report, (*path, "timezone"), params.get("timezone"))
    if start is None or tz is None:
        return None
    local = start.in_timezone(tz)
    where = (*path, "rule") if "rule" in params else path
    cron, why = _rrule_cron(parts, local)
    if cron is None:
        report.error(where, f"recurrence rule {_rrule_text(parts)} has no exact Airflow schedule: {why}",
                     "Airflow has no RRULE timetable; express it as a cron timer, or give the workflow its own "
                     "`airflow: {schedule: ...}`")  # fmt: skip
        return None
    end = None
    if "UNTIL" in parts:
        end = _until(report, where, parts["UNTIL"])
        if end is None:
            return None
    return TimerSchedule(
        kind="cron", cron=cron, timezone=tz, start_date=start, end_date=end, trigger_ref=RRULE
    )


def _rrule_text(parts: dict[str, Any]) -> str:
    def text(value: Any) -> str:
        return ",".join(map(str, value)) if isinstance(value, list) else str(value)

    return "'" + ";".join(f"{k}={text(v)}" for k, v in parts.items()) + "'"


def _until(report: Report, path: YamlPath, value: Any) -> Any:
    import pendulum

    if isinstance(value, str) and re.fullmatch(r"\d{8}T\d{6}Z", value):
        moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ")
        return pendulum.datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute,
                                 moment.second, tz="UTC")  # fmt: skip
    return _instant(report, path, value, "until")


def _ints(parts: dict[str, Any], key: str) -> list[int] | None:
    value = parts.get(key)
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    return [int(v) for v in values]


def _rrule_cron(parts: dict[str, Any], local: Any) -> tuple[str | None, str | None]:
    """A recurrence rule -> 5-field cron in the rule's timezone, when exactly equal."""
    freq = str(parts.get("FREQ", "")).upper()
    for key in ("COUNT", "BYSETPOS", "BYWEEKNO", "BYYEARDAY"):
        if key in parts:
            return None, f"{key} has no cron equivalent"
    if int(parts.get("INTERVAL", 1) or 1) != 1:
        return None, "INTERVAL other than 1 counts periods from dtstart, which cron cannot"
    if freq not in ("MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        return None, f"FREQ={freq or '?'} (Airflow schedules have minute resolution)"
    seconds = _ints(parts, "BYSECOND")
    if seconds is None and local.second != 0:
        return (
            None,
            f"it fires on second {local.second} of the minute (dtstart); Airflow has minute resolution",
        )
    if seconds is not None and seconds != [0]:
        return None, "BYSECOND other than 0; Airflow has minute resolution"
    days = parts.get("BYDAY")
    month_days = _ints(parts, "BYMONTHDAY")
    if days and month_days:
        return None, "BYDAY with BYMONTHDAY means both must match; cron fires when either matches"
    if month_days and any(d < 1 for d in month_days):
        return None, "negative BYMONTHDAY (counted from the month's end)"
    weekdays: list[int] = []
    for day in days or []:
        if day not in WEEKDAYS:
            return None, f"BYDAY {day!r} (an ordinal weekday such as 2TU)"
        weekdays.append(_CRON_DOW[day])
    order = ["MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
    rank = order.index(freq)

    def field(key: str, from_start: int, expands_at: int) -> str:
        """A BYxxx list, else '*' when the rule's period is finer, else dtstart's value."""
        values = _ints(parts, key)
        if values is not None:
            return ",".join(map(str, sorted(set(values))))
        return "*" if rank < expands_at else str(from_start)

    minute = field("BYMINUTE", local.minute, 1)
    hour = field("BYHOUR", local.hour, 2)
    month = field("BYMONTH", local.month, 5)
    dom, dow = "*", "*"
    if (weekdays or month_days) and "BYMONTH" not in parts:
        month = "*"  # YEARLY;BYDAY=MO is every Monday of the year (RFC 5545 defaults, as dateutil)
    if weekdays:
        dow = ",".join(map(str, sorted(set(weekdays))))
    elif month_days:
        dom = ",".join(map(str, sorted(set(month_days))))
    elif freq == "WEEKLY":
        dow = str((local.isoweekday()) % 7)
    elif freq in ("MONTHLY", "YEARLY"):
        dom = str(local.day)
    return f"{minute} {hour} {dom} {month} {dow}", None
