"""Nested workflows and inquiries under the real scheduler (Celery deployment), REST API only.

The child of a nested task runs as its own DAG run while the parent's task is *deferred* (the
triggerer polls the child run; no worker slot is held); a missing child DAG fails the parent
task with an error naming it; an inquiry is answered through Airflow's Human-in-the-loop REST API.
"""

from __future__ import annotations

import time

import pytest

from tests.integration.deployment import Deployment

pytestmark = pytest.mark.integration

PARENT, CHILD, ORPHAN, INQUIRY = (
    "integration.nested_parent",
    "integration.nested_child",
    "integration.nested_orphan",
    "integration.inquiry",
)
TIMEOUT = 300


def _state(deploy: Deployment, dag_id: str, run_id: str, task_id: str) -> str | None:
    for ti in deploy.task_instances(dag_id, run_id):
        if ti["task_id"] == task_id and ti["map_index"] == -1:
            return ti["state"]
    return None


def test_nested_child_runs_as_its_own_dag_run_while_the_parent_defers(deployment: Deployment) -> None:
    deployment.wait_for_dags([PARENT, CHILD], timeout=240)
    deployment.unpause(PARENT)
    deployment.unpause(CHILD)
    run_id = deployment.trigger(PARENT, {"n": 21})
    seen: set[str | None] = set()
    deadline = time.monotonic() + TIMEOUT
    while deployment.run_state(PARENT, run_id) not in ("success", "failed") and time.monotonic() < deadline:
        seen.add(_state(deployment, PARENT, run_id, "call_child.run"))
        time.sleep(0.5)
    assert deployment.run_state(PARENT, run_id) == "success"
    assert "deferred" in seen, seen  # waiting on the triggerer, not on a worker slot
    children = deployment.api("GET", f"/dags/{CHILD}/dagRuns?limit=100")["dag_runs"]
    assert any(r["state"] == "success" for r in children)
    assert deployment.result(PARENT, run_id, "end")["doubled"] == 42

    failing = deployment.trigger(PARENT, {"n": 1, "fail": True})
    assert deployment.wait_for_runs(PARENT, [failing], TIMEOUT) == {failing: "success"}  # handled
    error = deployment.result(PARENT, failing, "end")["child_error"]
    # attune's own payload reaches the parent unchanged (scheduler.rs build_workflow_result_payload)
    assert error == "Workflow failed: 1 task(s) failed: refuse", error


def test_missing_child_dag_is_an_error_naming_it(deployment: Deployment) -> None:
    deployment.wait_for_dags([ORPHAN], timeout=240)
    deployment.unpause(ORPHAN)
    run_id = deployment.trigger(ORPHAN)
    assert deployment.wait_for_runs(ORPHAN, [run_id], TIMEOUT) == {run_id: "failed"}
    assert _state(deployment, ORPHAN, run_id, "call_missing.run") == "failed"
    output = deployment.result(ORPHAN, run_id, "end")
    # the run's result in attune's words (scheduler.rs build_workflow_result_payload) ...
    assert output == {"error": "Workflow failed: 1 task(s) failed: call_missing", "succeeded": False}, output
    # ... and the task's own error names the child it could not start
    path = (
        f"/dags/{ORPHAN}/dagRuns/{run_id}/taskInstances/call_missing.run/xcomEntries/attune_child_error"
        "?map_index=-1&stringify=false"
    )
    error = deployment.api("GET", path)["value"]
    assert "child workflow 'integration.not_deployed'" in error, error


def test_inquiry_is_answered_through_the_hitl_rest_api(deployment: Deployment) -> None:
    deployment.wait_for_dags([INQUIRY], timeout=240)
    deployment.unpause(INQUIRY)
    run_id = deployment.trigger(INQUIRY)
    path = f"/dags/{INQUIRY}/dagRuns/{run_id}/taskInstances/approve.inquiry/-1/hitlDetails"
    deadline = time.monotonic() + TIMEOUT
    while _state(deployment, INQUIRY, run_id, "approve.inquiry") != "awaiting_input":
        assert time.monotonic() < deadline, deployment.task_instances(INQUIRY, run_id)
        time.sleep(1)
    detail = deployment.api("GET", path)
    assert detail["subject"] == "Ship it?" and detail["options"] == ["approve", "reject"]
    deployment.api("PATCH", path, {"chosen_options": ["approve"], "params_input": {"note": "v1"}})
    assert deployment.wait_for_runs(INQUIRY, [run_id], TIMEOUT) == {run_id: "success"}
    assert deployment.result(INQUIRY, run_id, "end")["outcome"] == "approved: v1"
