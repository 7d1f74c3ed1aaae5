"""Handled failures, visible at a glance: the DAG run's note and the failed instances' notes.

A failure a transition answered (``when: failed()`` started another task) lets the run succeed,
so the grid shows a green run. An Airflow listener (``on_dag_run_success`` /
``on_dag_run_failed``, called where the run's state is decided: the scheduler, ``dag.test()``)
writes Airflow's own notes, in the session that changes the run's state:

* the run's note: ``attune: 1 handled failure`` and one line per handled task (error, targets);
* the note of each failed instance of a handled task: ``attune: failure handled -> <targets>``.

The grid and graph mark runs and instances that have a note; the note text shows in the run and
instance headers. A note someone wrote by hand is never replaced (only notes starting ``attune:``).
"""

from __future__ import annotations

from typing import Any

from airflow.listeners import hookimpl

PREFIX = "attune:"
MAX_ERROR_CHARS = 300
MAX_INSTANCE_NOTES = 200


def run_note(decisions: list[Any]) -> str | None:
    """The run's note text for its handled failures (None when there is none)."""
    handled = [d for d in decisions if d.handled_failure]
    if not handled:
        return None
    plural = "s" if len(handled) > 1 else ""
    lines = [f"{PREFIX} {len(handled)} handled failure{plural}"]
    for d in handled:
        error = (d.error or "").replace("\n", " ")
        if len(error) > MAX_ERROR_CHARS:
            error = error[: MAX_ERROR_CHARS - 1] + "…"
        lines.append(f"- {d.decider.rpartition('.')[0]} {d.outcome}: {error} -> {', '.join(d.selected)}")
    return "\n".join(lines)


def _ours(note: str | None) -> bool:
    return not note or note.startswith(PREFIX)


def write_notes(session: Any, dag_run: Any) -> str | None:
    """Set the run's and the failed instances' notes from the run's route decisions."""
    from airflow.models.taskinstance import TaskInstance as TI
    from sqlalchemy import select

    from attune_provider.plugins.decision_data import run_decisions

    decisions = run_decisions(session, dag_run.dag_id, dag_run.run_id)
    text = run_note(decisions)
    if text is None:
        return None
    if _ours(dag_run.note):
        dag_run.note = text
    for d in decisions:
        if not d.handled_failure:
            continue
        run_task = d.decider.rpartition(".")[0] + ".run"
        failed = session.scalars(
            select(TI)
            .where(
                TI.dag_id == dag_run.dag_id,
                TI.run_id == dag_run.run_id,
                TI.task_id == run_task,
                TI.state == "failed",
            )
            .limit(MAX_INSTANCE_NOTES)
        ).all()
        for ti in failed:
            if _ours(ti.note):
                ti.note = f"{PREFIX} failure handled -> {', '.join(d.selected)}"
    return text


def _note_run(dag_run: Any) -> None:
    from sqlalchemy.orm import object_session

    session = object_session(dag_run)
    if session is not None:
        write_notes(session, dag_run)
        session.flush()
        return
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as own:
        attached = own.get(DagRun, dag_run.id)
        if attached is not None:
            write_notes(own, attached)


@hookimpl
def on_dag_run_success(dag_run: Any, msg: str) -> None:
    _note_safely(dag_run)


@hookimpl
def on_dag_run_failed(dag_run: Any, msg: str) -> None:
    _note_safely(dag_run)


def _note_safely(dag_run: Any) -> None:
    """A note is a convenience: failing to write one must not break the scheduler loop."""
    import logging

    try:
        _note_run(dag_run)
    except Exception:
        logging.getLogger(__name__).exception("attune: could not write the handled-failure notes")
