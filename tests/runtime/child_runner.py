"""Run one queued DAG run to completion in this process, as the scheduler would.

Used by the nested-workflow test: a parent's dag.test() triggers a child run that nothing would
execute (dag.test has no scheduler). ``python -m tests.runtime.child_runner <dag_id> <run_id>``
parses the DAG folder, adopts the queued run (dag.test would otherwise delete and recreate it
under a new run id, which the waiting parent could not find) and runs it with dag.test().
Exit code 0 = the child run succeeded.
"""

from __future__ import annotations

import sys


def main(dag_id: str, run_id: str) -> int:
    from airflow import settings
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models import dagrun as dagrun_module
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    dag = DagBag(dag_folder=settings.DAGS_FOLDER, include_examples=False).get_dag(dag_id)
    with create_session() as session:
        logical_date = session.scalar(select(DagRun.logical_date).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))

    def adopt_queued_run(*, dag, session, **_ignored):
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag.dag_id, DagRun.run_id == run_id))
        run.state = DagRunState.RUNNING
        session.commit()
        return run

    dagrun_module.get_or_create_dagrun = adopt_queued_run
    run = dag.test(logical_date=logical_date)
    return 0 if run.state == DagRunState.SUCCESS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
