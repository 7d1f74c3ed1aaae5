"""attune's timer triggers -> exact Airflow schedules, or a located error (issue 21, item 3).

The attune side is read from attune-system/attune ``crates/core-timer-sensor`` (types.rs,
timer_manager.rs) and tokio-cron-scheduler 0.15 (croner, seconds required, dom AND dow).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from attune_provider.spec.report import Report
from attune_provider.spec.timers import cron_to_airflow, translate_timer
from attune_provider.spec.yaml_source import parse_yaml


def _translate(trigger: str, params_yaml: str):
    doc = parse_yaml(f"trigger_params:\n{params_yaml}", "rule.yaml")
    report = Report(doc)
    timer = translate_timer(report, ("trigger_params",), trigger, doc.data["trigger_params"])
    return timer, report


@pytest.mark.parametrize(
    ("attune", "airflow"),
    [
        ("0 0 0 * * *", "0 0 * * *"),  # attune's docs: daily at midnight
        ("0 */15 * * * *", "*/15 * * * *"),
        ("0 0 9 * * 1-5", "0 9 * * 1-5"),
        ("0 30 8 * * MON", "30 8 * * MON"),
        ("0 0 12 1 * ?", "0 12 1 * *"),  # '?' = any
        ("@daily", "0 0 * * *"),
    ],
)
def test_cron_exact_forms(attune: str, airflow: str) -> None:
    assert cron_to_airflow(attune) == (airflow, None)


@pytest.mark.parametrize(
    ("attune", "why"),
    [
        ("*/10 * * * * *", "minute resolution"),  # every 10 s
        ("30 0 9 * * *", "minute resolution"),  # 09:00:30
        ("0 9 * * MON", "6"),  # the 5-field form is not attune's
        ("0 0 0 1 1 * 2030", "year"),
        ("0 0 9 1 * MON", "BOTH match"),  # croner ANDs the day fields, Airflow ORs them
        ("0 0 0 L * *", "differs"),
        ("0 0 0 * * 5#2", "differs"),
        ("0 0 0 * * 5-1", "wrapping"),
    ],
)
def test_cron_inexact_forms_are_rejected(attune: str, why: str) -> None:
    cron, reason = cron_to_airflow(attune)
    assert cron is None
    assert why in (reason or "")


def test_crontimer_with_timezone() -> None:
    timer, report = _translate("core.crontimer", '  expression: "0 0 9 * * 1-5"\n  timezone: Europe/Berlin\n')
    assert not report.errors
    # attune's timer sensor ignores `timezone` and fires in UTC (types.rs, TimerConfig::Cron): so does the DAG
    assert (timer.kind, timer.cron, timer.timezone) == ("cron", "0 9 * * 1-5", "UTC")
    assert [w.code for w in report.warnings] == ["cron-timezone"]
    assert "ignored" in report.warnings[0].message


def test_crontimer_error_is_located_at_the_expression() -> None:
    timer, report = _translate("core.crontimer", '  expression: "*/5 * * * * *"\n')
    assert timer is None
    (error,) = report.errors
    assert (error.location.file, error.location.line) == ("rule.yaml", 2)
    assert "minute resolution" in error.message


def test_crontimer_unknown_timezone() -> None:
    timer, report = _translate("core.crontimer", '  expression: "0 0 0 * * *"\n  timezone: Mars/Base\n')
    assert timer is None
    assert report.errors[0].location.line == 3


@pytest.mark.parametrize(
    ("params", "seconds"),
    [
        ("  interval: 10\n", 10),
        ("  interval: 5\n  unit: minutes\n", 300),
        ("  interval: 1\n  unit: days\n", 86400),
    ],
)
def test_intervaltimer(params: str, seconds: int) -> None:
    timer, report = _translate("core.intervaltimer", params)
    assert not report.errors
    assert timer.kind == "interval" and timer.every == timedelta(seconds=seconds)


@pytest.mark.parametrize("params", ["  interval: 0\n", "  unit: seconds\n", "  interval: 5\n  unit: weeks\n"])
def test_intervaltimer_rejects(params: str) -> None:
    timer, report = _translate("core.intervaltimer", params)
    assert timer is None and report.errors


def test_datetimetimer_is_once_at_fire_at() -> None:
    timer, report = _translate("core.datetimetimer", '  fire_at: "2099-12-31T23:59:00+01:00"\n')
    assert not report.errors and not report.warnings
    assert timer.kind == "once"
    assert timer.start_date == pendulum.datetime(2099, 12, 31, 22, 59, tz="UTC")


def test_datetimetimer_in_the_past_warns_and_needs_an_offset() -> None:
    timer, report = _translate("core.datetimetimer", '  fire_at: "2020-01-01T00:00:00Z"\n')
    assert timer is not None and [w.code for w in report.warnings] == ["datetime-past"]
    timer, report = _translate("core.datetimetimer", '  fire_at: "2099-01-01T00:00:00"\n')
    assert timer is None and "offset" in report.errors[0].message


@pytest.mark.parametrize(
    ("params", "cron", "tz"),
    [
        (
            '  rule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0"\n  dtstart: "2026-01-01T00:00:00Z"\n',
            "0 9 * * *",
            "UTC",
        ),
        ('  freq: weekly\n  by_day: [MO, FR]\n  dtstart: "2026-01-05T08:30:00Z"\n', "30 8 * * 1,5", "UTC"),
        # no BYxxx: everything from dtstart, read in the rule's timezone
        (
            '  freq: monthly\n  dtstart: "2026-01-15T08:00:00Z"\n  timezone: America/New_York\n',
            "0 3 15 * *",
            "America/New_York",
        ),
        ('  freq: yearly\n  dtstart: "2026-03-02T06:45:00Z"\n', "45 6 2 3 *", "UTC"),
        ('  freq: hourly\n  dtstart: "2026-01-01T00:20:00Z"\n', "20 * * * *", "UTC"),
    ],
)
def test_rruletimer_exact_forms(params: str, cron: str, tz: str) -> None:
    timer, report = _translate("core.rruletimer", params)
    assert not report.errors, report.errors
    assert (timer.kind, timer.cron, timer.timezone) == ("cron", cron, tz)
    assert timer.start_date is not None


def test_rruletimer_until_becomes_end_date() -> None:
    timer, report = _translate(
        "core.rruletimer", '  rule: "FREQ=DAILY;UNTIL=20261231T000000Z"\n  dtstart: "2026-01-01T09:00:00Z"\n'
    )
    assert not report.errors
    assert timer.end_date == pendulum.datetime(2026, 12, 31, tz="UTC")


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ('  rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"\n', "INTERVAL"),  # every other Monday
        ('  rule: "FREQ=MONTHLY;BYDAY=2TU"\n', "ordinal"),  # 2nd Tuesday
        ('  rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"\n', "BYSETPOS"),  # last weekday
        ('  rule: "FREQ=DAILY;COUNT=3"\n', "COUNT"),
        ('  rule: "FREQ=SECONDLY"\n', "minute resolution"),
        ('  rule: "FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR"\n', "both must match"),
    ],
)
def test_rruletimer_inexact_forms_are_rejected(params: str, why: str) -> None:
    timer, report = _translate("core.rruletimer", params + '  dtstart: "2026-01-01T09:00:00Z"\n')
    assert timer is None
    (error,) = report.errors
    assert why in error.message
    assert error.location.line == 2  # at the rule text


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYHOUR=9,17;BYMINUTE=30",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=8;BYMINUTE=0",
        "FREQ=WEEKLY",
        "FREQ=MONTHLY",
        "FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=6;BYMINUTE=0",
        "FREQ=MONTHLY;BYDAY=TU",
        "FREQ=YEARLY;BYMONTH=3,9;BYMONTHDAY=31",
        "FREQ=YEARLY",
        "FREQ=HOURLY;BYMINUTE=0,45",
        "FREQ=MINUTELY;BYHOUR=10",
    ],
)
def test_translated_rrule_fires_at_the_same_instants(rule: str) -> None:
    """The cron from an rrule gives the same next 40 instants as the RFC 5545 rule itself."""
    from croniter import croniter
    from dateutil.rrule import rrulestr

    tz = "America/New_York"
    params = f'  rule: "{rule}"\n  dtstart: "2026-01-31T14:20:00Z"\n  timezone: {tz}\n'
    timer, report = _translate("core.rruletimer", params)
    assert not report.errors, report.errors
    start = timer.start_date.in_timezone(tz)
    expected = list(rrulestr(rule, dtstart=start).xafter(start - timedelta(seconds=1), count=40, inc=True))
    cron = croniter(timer.cron, start - timedelta(seconds=1))
    got = [cron.get_next(type(start)) for _ in range(40)]
    assert [t.isoformat() for t in got] == [t.isoformat() for t in expected]
