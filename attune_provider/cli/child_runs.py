"""Execute the child DAG runs that nested workflows trigger, when no scheduler runs them.

``dag.test()`` has no scheduler: a child run triggered by a nested task would stay queued while
the parent waits for it. During ``attune-airflow run`` a :class:`ChildRunner` thread watches the
metadata DB for queued runs of the workflows the run nests and executes each in its own process
(``python -m attune_provider.cli.child_runs LOADER DAG_ID RUN_ID``), which runs ``dag.test()`` for
that DAG with the run's logical date, so Airflow recreates it under the *same* run id the waiting
parent polls. A child process that ends without finishing its run marks it failed, so a parent
never waits for a run nobody executes. Under a real scheduler none of this is used.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

FINISHED_RUN_STATES = ("success", "failed")


def newest_run_row_id() -> int:
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    with Session(settings.engine) as session:
        return session.scalar(select(func.max(DagRun.id))) or 0


def queued_runs(dag_ids: set[str], after_row_id: int) -> list[tuple[str, str]]:
    """(dag_id, run_id) of queued runs of ``dag_ids`` created after ``after_row_id``."""
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from airflow.utils.state import DagRunState
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(settings.engine) as session:
        rows = session.execute(
            select(DagRun.dag_id, DagRun.run_id).where(
                DagRun.dag_id.in_(dag_ids), DagRun.id > after_row_id, DagRun.state == DagRunState.QUEUED
            )
        ).all()
    return [(dag_id, run_id) for dag_id, run_id in rows]


def runs_after(dag_id: str, after_row_id: int) -> list[str]:
    """Run ids of ``dag_id`` created after ``after_row_id`` (the runs this process started)."""
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(settings.engine) as session:
        return list(
            session.scalars(select(DagRun.run_id).where(DagRun.dag_id == dag_id, DagRun.id > after_row_id))
        )


def run_state(dag_id: str, run_id: str) -> str | None:
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(settings.engine) as session:
        state = session.scalar(select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
    return None if state is None else str(getattr(state, "value", state))


def fail_run(dag_id: str, run_id: str) -> None:
    """Mark an unfinished run and its unfinished task instances failed (never leave it waiting)."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, State, TaskInstanceState
    from sqlalchemy import update

    with create_session() as session:
        session.execute(
            update(TaskInstance)
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.state.not_in(list(State.finished)),
            )
            .values(state=TaskInstanceState.FAILED)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(DagRun)
            .where(DagRun.dag_id == dag_id, DagRun.run_id == run_id, DagRun.state.not_in(FINISHED_RUN_STATES))
            .values(state=DagRunState.FAILED)
            .execution_options(synchronize_session=False)
        )


class ChildRunner:
    """Side thread: one process per queued child run; ``stop()`` ends and fails what is left."""

    def __init__(self, loader: Path, dag_ids: set[str], log: IO[str] | None = None, interval: float = 0.5):
        self.loader = loader
        self.dag_ids = set(dag_ids)
        self.log = log
        self.interval = interval
        self.after_row_id = 0
        self.children: dict[tuple[str, str], subprocess.Popen] = {}
        self.errors: list[str] = []
        self._done: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="attune-child-runs", daemon=True)

    def start(self) -> ChildRunner:
        if self.dag_ids:
            self.after_row_id = newest_run_row_id()
            self._thread.start()
        return self

    def _spawn(self, dag_id: str, run_id: str) -> None:
        command = [sys.executable, "-m", "attune_provider.cli.child_runs", str(self.loader), dag_id, run_id]
        # output goes where this process' fd 1 goes (the run's log file), unless a stream is given
        self.children[(dag_id, run_id)] = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        print(f"child workflow {dag_id} run {run_id} started", file=sys.stderr, flush=True)

    def _reap(self) -> None:
        for (dag_id, run_id), process in list(self.children.items()):
            if process.poll() is None or process.returncode is None:
                continue
            state = run_state(dag_id, run_id)
            if state not in FINISHED_RUN_STATES:
                self.errors.append(f"child run {dag_id}/{run_id} exited {process.returncode} in state {state}")
                fail_run(dag_id, run_id)
            del self.children[(dag_id, run_id)]
            self._done.add((dag_id, run_id))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                for key in queued_runs(self.dag_ids, self.after_row_id):
                    if key not in self.children and key not in self._done:
                        self._spawn(*key)
                self._reap()
            except Exception as exc:  # SQLite busy for a moment: retry on the next poll
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching; terminate child processes still running and fail their runs."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for (dag_id, run_id), process in list(self.children.items()):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if run_state(dag_id, run_id) not in FINISHED_RUN_STATES:
                fail_run(dag_id, run_id)
        self.children.clear()


def run_child(loader: str, dag_id: str, run_id: str) -> int:
    """Run the queued run ``run_id`` of ``dag_id`` with dag.test(); 0 success, 1 failed, 2 error."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunType
    from sqlalchemy import select

    with create_session() as session:
        row = session.execute(
            select(DagRun.logical_date, DagRun.run_after, DagRun.conf).where(
                DagRun.dag_id == dag_id, DagRun.run_id == run_id
            )
        ).first()
    if row is None:
        print(f"child run {dag_id}/{run_id} not found", file=sys.stderr)
        return 2
    logical_date, stored_run_after, conf = row
    # dag.test() names its run from run_after: find the run_after that reproduces this run id
    # (TriggerDagRunOperator names it from the logical date), so the waiting parent finds it.
    run_after = next(
        (
            when
            for when in (logical_date, stored_run_after)
            if when is not None
            and DagRun.generate_run_id(run_type=DagRunType.MANUAL, logical_date=logical_date, run_after=when)
            == run_id
        ),
        None,
    )
    if run_after is None or logical_date is None:
        print(f"child run {dag_id}/{run_id}: dag.test() cannot re-create this run id", file=sys.stderr)
        fail_run(dag_id, run_id)
        return 2
    dag = DagBag(dag_folder=loader).get_dag(dag_id)
    if dag is None:
        print(f"child workflow {dag_id} is not defined by {loader}", file=sys.stderr)
        fail_run(dag_id, run_id)
        return 2
    from attune_provider.cli.interrupt import stop_on_interrupt
    from attune_provider.cli.item_order import items_in_order
    from attune_provider.cli.task_logs import per_instance_logs

    try:
        with stop_on_interrupt(), per_instance_logs(), items_in_order():  # ChildRunner.stop() interrupts us
            dag_run = dag.test(logical_date=logical_date, run_after=run_after, run_conf=dict(conf or {}))
    except BaseException:
        fail_run(dag_id, run_id)
        raise
    state: Any = getattr(dag_run.state, "value", dag_run.state)
    return 0 if state == "success" else 1


def main(argv: list[str]) -> int:
    from attune_provider.cli import environment

    environment.prepare(os.environ.get("AIRFLOW_HOME"))
    environment.quiet_airflow_logging()
    try:
        return run_child(*argv)
    except KeyboardInterrupt:
        print(f"child run {argv[1]}/{argv[2]} interrupted and marked failed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
