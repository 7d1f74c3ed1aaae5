"""A timer rule compiles to a DAG with the exact schedule and the paused flag (issue 21, item 3)."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import CronTriggerTimetable, DeltaTriggerTimetable

from attune_provider.compiler import compile_workflow
from attune_provider.spec import load_pack

RULES = {
    "nightly": """
        ref: nightly
        trigger_ref: core.crontimer
        action_ref: core.echo
        trigger_params: {expression: "0 30 2 * * 1-5", timezone: Europe/Berlin}
        action_params: {message: nightly}
        enabled: false
    """,
    "often": """
        ref: often
        trigger_ref: core.intervaltimer
        action_ref: core.echo
        trigger_params: {interval: 90, unit: seconds}
        action_params: {message: often}
    """,
    "once": """
        ref: once
        trigger_ref: core.datetimetimer
        action_ref: core.echo
        trigger_params: {fire_at: "2099-06-01T12:00:00Z"}
        action_params: {message: once}
    """,
}


def test_timer_rules_compile_to_scheduled_dags(tmp_path: Path) -> None:
    root = tmp_path / "sched"
    (root / "actions").mkdir(parents=True)
    (root / "rules").mkdir()
    (root / "pack.yaml").write_text("ref: sched\nversion: '1.0.0'\n")
    for name, text in RULES.items():
        (root / "rules" / f"{name}.yaml").write_text(textwrap.dedent(text))
    loaded = load_pack(root)
    assert not loaded.errors, loaded.errors

    nightly = compile_workflow(loaded.workflows["sched.nightly"])
    assert nightly.dag_id == "sched.nightly"
    assert isinstance(nightly.timetable, CronTriggerTimetable)
    assert nightly.timetable.expression == "30 2 * * 1-5"
    # attune fires cron timers in UTC whatever `timezone` says (types.rs, TimerConfig::Cron): so does the DAG
    assert str(nightly.timetable.timezone) in ("UTC", "Timezone('UTC')")
    assert nightly.is_paused_upon_creation is True
    assert nightly.params["message"] == "nightly"
    assert "attune-rule" in nightly.tags
    assert "core.crontimer" in nightly.doc_md and "nightly.yaml" in nightly.doc_md

    often = compile_workflow(loaded.workflows["sched.often"])
    assert isinstance(often.timetable, DeltaTriggerTimetable)
    assert often.timetable.delta == timedelta(seconds=90)
    assert often.is_paused_upon_creation is False

    once = compile_workflow(loaded.workflows["sched.once"])
    assert type(once.timetable).__name__ == "OnceTimetable"  # "@once": one run at start_date
    assert once.start_date == pendulum.datetime(2099, 6, 1, 12, tz="UTC")
