"""The ``airflow:`` extension block -> AirflowSettings (reference 2)."""

from __future__ import annotations

import datetime as dt
from textwrap import dedent

import pendulum
import pytest

TASKS = """
tasks:
  - name: a
    action: core.echo
"""


def test_full_block(load):
    wf = load(
        dedent("""
        airflow:
          schedule: "*/5 * * * *"
          start_date: 2024-01-02
          catchup: true
          max_active_runs: 2
          dagrun_timeout: 3600
          owner: data-team
          pool: deploys
          queue: gpu
          default_retries: 1
          tags: [nightly]
        """)
        + TASKS
    )
    settings = wf.airflow
    assert settings.schedule == "*/5 * * * *"
    assert settings.start_date == pendulum.datetime(2024, 1, 2, tz="UTC")
    assert isinstance(settings.start_date, pendulum.DateTime)
    assert settings.catchup is True and settings.max_active_runs == 2
    assert settings.dagrun_timeout == dt.timedelta(hours=1)
    assert (settings.owner, settings.pool, settings.queue) == ("data-team", "deploys", "gpu")
    assert settings.default_retries == 1 and settings.tags == ("nightly",)


def test_no_block_means_none(load):
    assert load(TASKS).airflow is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'@daily'", "@daily"),
        ("null", None),
        ("{minutes: 5}", dt.timedelta(minutes=5)),
        ("PT5M", dt.timedelta(minutes=5)),
        ("P1D", dt.timedelta(days=1)),
        ("90", dt.timedelta(seconds=90)),
        ("'0 6 * * 1-5'", "0 6 * * 1-5"),
    ],
)
def test_schedule_forms(load, text, expected):
    assert load(f"airflow:\n  schedule: {text}\n" + TASKS).airflow.schedule == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'2024-03-01T06:00:00+02:00'", pendulum.datetime(2024, 3, 1, 4, tz="UTC")),
        ("2024-03-01 06:00:00", pendulum.datetime(2024, 3, 1, 6, tz="UTC")),
        ("'2024-03-01'", pendulum.datetime(2024, 3, 1, tz="UTC")),
    ],
)
def test_start_date_forms(load, text, expected):
    assert load(f"airflow:\n  start_date: {text}\n" + TASKS).airflow.start_date == expected


def test_dagrun_timeout_mapping_and_iso(load):
    assert load("airflow:\n  dagrun_timeout: {hours: 2}\n" + TASKS).airflow.dagrun_timeout == dt.timedelta(
        hours=2
    )
    assert load("airflow:\n  dagrun_timeout: PT30M\n" + TASKS).airflow.dagrun_timeout == dt.timedelta(
        minutes=30
    )


@pytest.mark.parametrize(
    ("block", "line", "message"),
    [
        ("schedule: '61 * * * *'", 2, "schedule '61 * * * *' is not a valid cron expression"),
        ("schedule: '@sometimes'", 2, "unknown schedule preset '@sometimes'"),
        ("schedule: {minutez: 5}", 2, "'airflow.schedule' has an invalid duration mapping"),
        ("start_date: tomorrow", 2, "'airflow.start_date' 'tomorrow' is not a date"),
        ("catchup: 'no'", 2, "'airflow.catchup' must be true or false"),
        ("max_active_runs: 0", 2, "'airflow.max_active_runs' must be an integer >= 1"),
        ("default_retries: -1", 2, "'airflow.default_retries' must be an integer >= 0"),
        ("dagrun_timeout: soon", 2, "'airflow.dagrun_timeout' 'soon' is not a duration"),
        ("owner: [a]", 2, "'airflow.owner' must be non-empty text"),
        ("tags: x", 2, "'airflow.tags' must be a list"),
    ],
)
def test_bad_values_are_errors_at_their_line(load_errors, block, line, message):
    error = load_errors(f"airflow:\n  {block}\n" + TASKS)
    (spec_error,) = error.errors
    assert spec_error.location.line == line
    assert message in spec_error.message


def test_block_must_be_mapping_and_unknown_keys_warn(load, load_errors):
    assert "'airflow' must be a mapping" in str(load_errors("airflow: daily\n" + TASKS))
    wf = load("airflow:\n  schedul: '@daily'\n" + TASKS)
    assert "did you mean 'schedule'?" in wf.warnings[0].message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".inf", "must be a positive, finite duration"),
        (".nan", "must be a positive, finite duration"),
        ("{days: .nan}", "must be a positive, finite duration"),
        ("{days: 1000000000}", "must be a positive, finite duration"),
        ("-5", "must be a positive, finite duration"),
        ("PT0S", "must be a positive duration"),
    ],
)
def test_impossible_durations_are_errors_not_crashes(load_errors, value, message):
    error = load_errors(f"airflow:\n  dagrun_timeout: {value}\n" + TASKS)
    assert message in error.errors[0].message
