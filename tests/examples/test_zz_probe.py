import pytest
from tests.runtime.helpers import run_dag
pytestmark = pytest.mark.airflow

def test_probe(example_dags, health_server):
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select
    r = run_dag(example_dags["examples.health_check_servers"], {"base_url": health_server.base_url, "server_count": 10})
    with create_session() as s:
        tis = s.scalars(select(TaskInstance).where(TaskInstance.run_id == r.run_id).order_by(TaskInstance.start_date)).all()
        prev = None
        for ti in tis:
            gap = (ti.start_date - prev).total_seconds() if prev and ti.start_date else None
            print(ti.task_id, ti.map_index, ti.state, ti.duration, "gap", gap)
            prev = ti.end_date
