"""A plain DAG tagged ``attune:views``: its tasks receive lazy views (per-key reads) by choice."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from airflow.sdk import dag, get_current_context, task


def record(**received: Any) -> None:
    ti = get_current_context()["ti"]
    out = Path(os.environ["XCOM_COMPAT_OBS"]) / f"{ti.task_id}.{ti.map_index}.json"
    out.write_text(json.dumps({k: type(v).__name__ for k, v in received.items()}, sort_keys=True))


@dag(
    dag_id="xcom_views_opt_in",
    schedule=None,
    start_date=dt.datetime(2024, 1, 1),
    catchup=False,
    tags=["attune:views"],
)
def xcom_views_opt_in() -> None:
    @task
    def views_make() -> dict:
        return {f"k{i}": "v" * 1000 for i in range(20)}

    @task
    def views_read(whole: Any) -> str:
        record(whole=whole)
        return whole["k3"][:3]

    views_read(views_make())


opt_in_dag = xcom_views_opt_in()
