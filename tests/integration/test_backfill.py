"""reference 2 / 10.2: a scheduled workflow (``airflow:`` block, daily, catchup off) backfilled over
three days with ``airflow backfill create``; each run sees its own logical date and interval."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.integration.deployment import Deployment, wait_until

pytestmark = pytest.mark.integration

DAG_ID = "integration.daily"


def _when(value: object) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def test_backfill_runs_see_their_own_logical_date_and_interval(deployment: Deployment) -> None:
    # The scheduler starts no run (backfill runs included) of a paused DAG. Unpausing with
    # catchup off adds at most one scheduled run for the latest interval; only backfills count here.
    deployment.unpause(DAG_ID)
    deployment.airflow(
        "backfill",
        "create",
        "--dag-id",
        DAG_ID,
        "--from-date",
        "2026-01-01",
        "--to-date",
        "2026-01-03",
        "--max-active-runs",
        "3",
    )

    def backfill_runs() -> list[dict]:
        deployment.check_alive()
        runs = [
            r
            for r in deployment.api("GET", f"/dags/{DAG_ID}/dagRuns?limit=100")["dag_runs"]
            if r["run_type"] == "backfill"
        ]
        return runs if len(runs) == 3 and all(r["state"] in ("success", "failed") for r in runs) else []

    runs = wait_until(backfill_runs, 300, "three finished backfill runs", interval=2)
    assert {r["state"] for r in runs} == {"success"}, runs
    days = sorted(_when(r["logical_date"]).date() for r in runs)
    assert days == [dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 3)]

    for run in runs:
        output = deployment.result(DAG_ID, run["dag_run_id"], "end")
        assert output["succeeded"] is True
        assert _when(output["logical_date"]) == _when(run["logical_date"])
        assert _when(output["data_interval_start"]) == _when(run["data_interval_start"])
        assert _when(output["data_interval_end"]) == _when(run["data_interval_end"])
        assert _when(run["logical_date"]).date().isoformat() in output["echoed"]
