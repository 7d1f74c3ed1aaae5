"""Print, as JSON, what Airflow's own log reader returns for every try of every task instance of a run.

Run as ``python -m tests.cli.read_task_logs AIRFLOW_HOME DAG_ID RUN_ID`` in a subprocess: the
reader (``TaskLogReader`` -> ``FileTaskHandler``, what the api-server's Logs tab uses) must see
the CLI's home, DB and ``[logging]`` settings, not the pytest process's.
"""

from __future__ import annotations

import json
import sys


def read(dag_id: str, run_id: str) -> dict[str, dict]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.taskinstancehistory import TaskInstanceHistory
    from airflow.models.trigger import Trigger
    from airflow.utils.log.log_reader import TaskLogReader
    from airflow.utils.session import create_session
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    reader = TaskLogReader()
    found: dict[str, dict] = {}
    with create_session() as session:
        # loaded as the api-server's log route loads them (routes/public/log.py)
        current = select(TaskInstance).options(
            joinedload(TaskInstance.trigger).joinedload(Trigger.triggerer_job),
            joinedload(TaskInstance.dag_model),
        )
        earlier = select(TaskInstanceHistory).options(joinedload(TaskInstanceHistory.dag_run))
        for model, query in ((TaskInstance, current), (TaskInstanceHistory, earlier)):
            rows = session.scalars(query.where(model.dag_id == dag_id, model.run_id == run_id)).unique().all()
            for ti in rows:
                key = f"{ti.task_id}[{ti.map_index}]#{ti.try_number}"
                stream, _ = reader.read_log_chunks(ti, ti.try_number, {})
                messages = [message.model_dump(mode="json") for message in stream]
                found[key] = {"state": str(getattr(ti.state, "value", ti.state)), "messages": messages}
    return found


def main(argv: list[str]) -> int:
    from attune_provider.cli import environment

    environment.prepare(argv[0])  # the CLI's defaults for this home (SQLite DB), before Airflow
    print(json.dumps(read(argv[1], argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
