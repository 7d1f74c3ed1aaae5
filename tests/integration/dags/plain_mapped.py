"""A plain airflow.sdk DAG (no attune): proves the deployment runs mapped tasks on Celery."""

from __future__ import annotations

import os

from airflow.sdk import dag, task


@dag(dag_id="plain_mapped", schedule=None, catchup=False, tags=["integration"])
def plain_mapped():
    @task
    def make_items() -> list[int]:
        return list(range(6))

    @task
    def square(x: int) -> dict:
        return {"x": x, "square": x * x, "cwd": os.getcwd()}

    @task
    def total(results: list[dict]) -> int:
        return sum(r["square"] for r in results)

    total(square.expand(x=make_items()))


plain_mapped()
