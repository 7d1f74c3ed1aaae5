"""reference 5.3 last bullet (a crashed routing step fails the run at ``end``), checked in one small
real run that also proves reference 10.2 ``system.*`` and ``keystore`` in a live task, reference 5.7 ``cancelled()``
evaluating false for a finished task, reference 3 ``type: parallel`` / task-level ``when`` parsed but
never executed, and reference 12.1/12.2 on the raw XCom rows.

The crash is honest: the with_items task's action replaces the run's variable-store folder
with a plain file (what a broken or foreign-owned store path looks like), so the route's
``publish`` write raises inside the real route operator. Nothing of the provider is patched.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from attune_provider.store.preview import FULL_VALUE_BYTES
from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

SYSTEM_KEYS = (
    "workflow_start",
    "run_id",
    "dag_id",
    "logical_date",
    "data_interval_start",
    "data_interval_end",
    "try_number",
)

SECRET = "sp3c-keystore-v4lue"

CRASH = """
ref: test.crashed_route
tasks:
  - name: sys
    action: test.system
    input:
      workflow_start: "{{ system.workflow_start }}"
      run_id: "{{ system.run_id }}"
      dag_id: "{{ system.dag_id }}"
      logical_date: "{{ system.logical_date }}"
      data_interval_start: "{{ system.data_interval_start }}"
      data_interval_end: "{{ system.data_interval_end }}"
      try_number: "{{ system.try_number }}"
      token: "{{ keystore.attune_spec_token }}"
    next:
      - when: "{{ cancelled() }}"
        do: [on_cancel]
      - when: "{{ succeeded() }}"
        do: [checks]
  - name: on_cancel
    action: core.noop
    with_items: "{{ [1, 2] }}"
    next:
      - publish:
          - cancel_seen: true
  - name: checks
    type: parallel
    tasks:
      - name: inner
        action: test.record
    next:
      - do: [guarded]
  - name: guarded
    action: test.record
    when: "{{ false }}"
    input: {who: guarded}
    next:
      - do: [spread]
  - name: spread
    action: test.break_store
    with_items: "{{ [1] }}"
    input:
      dag_id: "{{ system.dag_id }}"
      run_id: "{{ system.run_id }}"
    next:
      - when: "{{ succeeded() }}"
        publish:
          - spread_done: true
        do: [after]
  - name: after
    action: core.noop
output_map:
  never: rendered
"""


def _raw_xcom(dag_id: str, run_id: str, task_id: str, key: str):
    """The XCom row's value exactly as the scheduler would read it (no backend deserialization)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return session.scalar(
            select(XComModel.value).where(
                XComModel.dag_id == dag_id,
                XComModel.run_id == run_id,
                XComModel.task_id == task_id,
                XComModel.key == key,
                XComModel.map_index == -1,
            )
        )


def test_crashed_route_fails_the_run_at_end(dag_env, tmp_path, registry, monkeypatch):
    from attune_provider.runtime.records import ROUTE_KEY
    from attune_provider.store.reference import is_reference
    from attune_provider.store.result_store import ResultStore
    from attune_provider.store.variables import RunVariables

    sabotaged: list[Path] = []

    def system(**values):
        return {
            key: (value if isinstance(value, (int, type(None))) else str(value))
            for key, value in values.items()
        }

    def break_store(dag_id, run_id):
        folder = Path(RunVariables(ResultStore.from_settings(), dag_id, run_id).dir)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder.parent, exist_ok=True)
        folder.write_text("not a folder: the variable store is broken")
        sabotaged.append(folder)
        return {"broke": str(folder)}

    recorded: list[object] = []
    registry.register("test.record", lambda **params: recorded.append(params) or {"ok": True})
    registry.register("test.system", system)
    registry.register("test.break_store", break_store)
    monkeypatch.setenv("AIRFLOW_VAR_ATTUNE_SPEC_TOKEN", SECRET)  # an Airflow Variable
    dag = compile_text(tmp_path, "crashed_route", CRASH, registry)
    try:
        report = run_dag(dag)
    finally:
        for path in sabotaged:
            path.unlink(missing_ok=True)
    assert sabotaged, "the with_items action never ran"

    # the action itself succeeded; only its routing step crashed
    assert report.mapped_states["spread.run"] == {0: "success"}
    route_id = dag.attune_plan.tasks["spread"].decider_id
    assert report.states[route_id] == "failed"
    assert report.decision("spread") is None  # nothing was pushed: targets never selected
    assert report.states.get("after.run") != "success"
    # no task failed, yet the run fails at the single leaf because a route crashed
    assert report.states["end"] == "failed"
    assert report.state == "failed"
    output = report.output
    assert output["succeeded"] is False
    assert output["error"] == "Workflow failed: 1 task(s) failed: spread"  # attune's text
    assert "never" not in output  # output_map is not rendered for a failed run

    # reference 10.2: every system key is present and real inside a running task
    data = report.result("sys")["data"]
    assert data["run_id"] == report.run_id and data["dag_id"] == "test.crashed_route"
    assert data["try_number"] == 1
    for key in SYSTEM_KEYS:
        assert data[key] not in (None, "", "None"), key
    # reference 10.2: keystore reads the Airflow Variable inside the task and registers it for masking
    assert data["token"] == SECRET
    from airflow.sdk._shared.secrets_masker.secrets_masker import _secrets_masker

    assert SECRET not in _secrets_masker().redact(f"Bearer {SECRET}")
    # reference 5.7: cancelled() evaluates (no routing error) and is false for a succeeded task
    assert report.decision("sys")["selected"] == ["checks"]
    # reference 5.3: a task nobody selected skips its whole chain (gate, run and route), and a
    # skipped chain is not a failure: the end task names only the crashed route
    on_cancel = dag.attune_plan.tasks["on_cancel"]
    assert on_cancel.decider_id is not None and on_cancel.decider_id != on_cancel.run_id
    for step in (on_cancel.gate_id, on_cancel.run_id, on_cancel.decider_id):
        assert report.states[step] == "skipped", step
    assert "on_cancel" not in output["error"]
    # reference 3: a parallel block runs nothing (its inner task never executes) and counts as succeeded;
    # a task-level `when` is not executed either, so `guarded` ran although its `when` is false
    assert report.states["checks.run"] == "success"
    assert report.states["guarded.run"] == "success"
    assert recorded == [{"who": "guarded"}]

    # reference 12.1: the routing decision row is plain JSON in the DB, not an offloaded reference
    sys_decider = dag.attune_plan.tasks["sys"].decider_id
    raw_decision = _raw_xcom(dag.dag_id, report.run_id, sys_decider, ROUTE_KEY)
    assert not is_reference(raw_decision)
    assert raw_decision["selected"] == ["checks"] and raw_decision["outcome"] == "succeeded"
    # reference 12.2: the return_value row is a small reference whose preview describes the value
    raw_result = _raw_xcom(dag.dag_id, report.run_id, "sys.run", "return_value")
    assert is_reference(raw_result)
    assert raw_result["kind"] == "dict" and raw_result["bytes"] > 0
    preview = raw_result["preview"]  # small values in full, else first keys (docs/ui.md)
    assert {"succeeded", "data"} <= set(preview["value"] if "value" in preview else preview["first_keys"])
    # small values are shown in full (docs/ui.md): the row is bounded by that, plus ids and hash
    assert len(str(raw_result)) < 600 + FULL_VALUE_BYTES
