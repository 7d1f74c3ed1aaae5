"""Run the next queued DAG run of one DAG to completion, in this process, as the scheduler would.

Used by the nested-workflow test: a parent's dag.test() triggers a child run that nothing would
execute (dag.test has no scheduler). ``python -m tests.runtime.child_runner <dag_id> <timeout>``
waits for a queued run of ``dag_id``, adopts it (dag.test would otherwise delete and recreate it
under a new run id, which the waiting parent could not find) and runs it with dag.test().
Exit code 0 = the child run succeeded, 1 = it failed, 2 = no run was queued in time.
"""

from __future__ import annotations

import sys
import time


def _queued_run(dag_id: str):
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    with create_session() as session:
        row = session.execute(
            select(DagRun.run_id, DagRun.logical_date).where(
                DagRun.dag_id == dag_id, DagRun.state == DagRunState.QUEUED
            )
        ).first()
        return tuple(row) if row else None


def main(dag_id: str, timeout: float) -> int:
    from airflow import settings
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models import dagrun as dagrun_module
    from airflow.models.dagrun import DagRun
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    deadline = time.monotonic() + timeout
    queued = _queued_run(dag_id)
    while queued is None:
        if time.monotonic() > deadline:
            return 2
        time.sleep(0.5)
        queued = _queued_run(dag_id)
    run_id, logical_date = queued
    dag = DagBag(dag_folder=settings.DAGS_FOLDER).get_dag(dag_id)

    def adopt_queued_run(*, dag, session, **_ignored):
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag.dag_id, DagRun.run_id == run_id))
        run.state = DagRunState.RUNNING
        session.commit()
        run.dag = dag
        return run

    dagrun_module.get_or_create_dagrun = adopt_queued_run
    try:
        run = dag.test(logical_date=logical_date)
    except BaseException:
        _fail(dag_id, run_id)  # never leave the waiting parent polling a run nobody executes
        raise
    return 0 if run.state == DagRunState.SUCCESS else 1


def _fail(dag_id: str, run_id: str) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import update

    with create_session() as session:
        session.execute(
            update(DagRun)
            .where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
            .values(state=DagRunState.FAILED)
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
