"""DAGs for tests/store/test_airflow_runs.py; copied into the test AIRFLOW_HOME's dags folder.

dag.test() syncs the dags folder to the DB, so a DAG must live in a file there.
"""

from __future__ import annotations

import datetime as dt
import uuid

from airflow.sdk import dag, task

N_ITEMS = 200
FANOUT_DAG = "attune_store_fanout"
RERUN_DAG = "attune_store_rerun"


def make_item(i: int) -> dict:
    return {"id": i, "name": f"item-{i}", "payload": f"{i:04d}" * 250}


@dag(dag_id=FANOUT_DAG, schedule=None, start_date=dt.datetime(2024, 1, 1), catchup=False)
def fanout():
    @task
    def first():
        return [make_item(i) for i in range(N_ITEMS)]

    @task
    def per_item(x):
        return {"id": x["id"], "size": len(x["payload"])}

    @task
    def total(results):
        rows = list(results)
        return {"count": len(rows), "ids": sum(r["id"] for r in rows), "size": sum(r["size"] for r in rows)}

    total(per_item.expand(x=first()))


def first_try_value(name: str) -> dict:
    """Deterministic, so the test can compute the object key of a first try's result."""
    return {"task": name, "try": 1, "rows": [{"i": i, "pad": "p" * 500} for i in range(50)]}


def _fail_after_pushing(name: str):
    from airflow.sdk import get_current_context

    ti = get_current_context()["ti"]
    if ti.try_number == 1:
        ti.xcom_push("return_value", first_try_value(name))
        raise RuntimeError("first try fails after pushing its result; the retry must purge it")
    return {"task": name, "try": ti.try_number, "nonce": uuid.uuid4().hex}


@dag(dag_id=RERUN_DAG, schedule=None, start_date=dt.datetime(2024, 1, 1), catchup=False)
def rerun():
    @task(retries=1, retry_delay=dt.timedelta(0))
    def stamp():
        return _fail_after_pushing("stamp")

    @task
    def passthrough(value):
        return value  # an upstream view: stored again by reference to the same object

    @task
    def twin():
        return first_try_value("shared")  # same content as shared's first try: one shared object

    @task(retries=1, retry_delay=dt.timedelta(0))
    def shared():
        return _fail_after_pushing("shared")

    passthrough(stamp())
    twin() >> shared()


fanout_dag = fanout()
rerun_dag = rerun()
