"""Load through the real scheduler: 20 concurrent runs of a fan-out workflow (50 items each) with
two branches publishing variables in parallel. Nothing may be lost or shared between runs."""

from __future__ import annotations

import pytest

from attune_provider.store.variables import RunVariables
from tests.integration.deployment import Deployment

pytestmark = pytest.mark.integration

DAG_ID = "integration.load"
RUNS = 20
ITEMS = 50


def test_twenty_concurrent_fanout_runs_keep_every_result_and_variable(deployment: Deployment) -> None:
    deployment.unpause(DAG_ID)
    tags = {f"load-{i:02d}": None for i in range(RUNS)}
    for tag in tags:
        tags[tag] = deployment.trigger(DAG_ID, {"tag": tag, "count": ITEMS}, run_id=f"load__{tag}")
    states = deployment.wait_for_runs(DAG_ID, tags.values(), timeout=900)
    assert states == {run_id: "success" for run_id in tags.values()}

    store = deployment.store()
    s3_keys = deployment.s3_keys()
    list_keys: set[str] = set()
    for tag, run_id in tags.items():
        output = deployment.result(DAG_ID, run_id, "end")
        assert output["succeeded"] is True and output["tag"] == tag
        seen = [(item["tag"], item["n"]) for batch in output["results"] for item in batch["data"]["items"]]
        assert sorted(seen) == [(tag, n) for n in range(ITEMS)], f"{run_id}: items lost or duplicated"
        assert all(batch["data"]["run_id"] == run_id for batch in output["results"])
        assert all(item["payload_ok"] for batch in output["results"] for item in batch["data"]["items"])
        assert output["left"] == tag and output["right"] == tag

        variables = RunVariables(store, DAG_ID, run_id).snapshot()
        assert variables["left"] == tag and variables["right"] == tag
        assert (
            variables["left_out"].strip() == f"left {tag}"
            and variables["right_out"].strip() == f"right {tag}"
        )

        # Every XCom row of the run resolves to an object that exists; the item list is the run's own.
        for ti in deployment.task_instances(DAG_ID, run_id):
            assert ti["state"] in ("success", "skipped"), ti
        gate_ref = deployment.xcom_entry(DAG_ID, run_id, "process.gate")
        assert any(gate_ref["key"] in key for key in s3_keys)
        list_keys.add(gate_ref["key"])
        for map_index in range(ITEMS // 10):
            ref = deployment.xcom_entry(DAG_ID, run_id, "process.run", map_index)
            assert any(ref["key"] in key for key in s3_keys), f"{run_id} process.run[{map_index}] object lost"
    assert len(list_keys) == RUNS, "two runs share one item list"
