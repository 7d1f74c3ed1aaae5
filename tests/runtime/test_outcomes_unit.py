"""Outcomes, item results and the join gate's poke as millisecond tests (tests/runtime/fake_ti.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from airflow.sdk import PokeReturnValue
from airflow.sdk.exceptions import AirflowSkipException

from attune_provider.runtime.gate import AttuneJoinGateOperator
from attune_provider.runtime.outcome import FAILED_OUTCOME, SUCCEEDED, TIMED_OUT, task_outcome
from attune_provider.runtime.plan import WorkflowPlan, build_plan
from attune_provider.runtime.records import ERROR_KEY, ITEMS_KEY, ROUTE_KEY, ItemsMeta, RouteDecision
from attune_provider.runtime.results import task_result
from attune_provider.runtime.states import read_states
from attune_provider.spec.loader import load_workflow_file
from tests.runtime.fake_ti import FakeTI

WORKFLOW = """
tasks:
  - name: fan
    with_items: "{{ [1, 2, 3] }}"
    next: [{do: [joined]}]
  - name: single
    next: [{do: [joined]}]
  - name: other
    next: [{do: [joined]}]
  - name: joined
    join: 2
    with_items: "{{ [10, 20] }}"
"""


@pytest.fixture
def plan(tmp_path: Path) -> WorkflowPlan:
    path = tmp_path / "wf.yaml"
    path.write_text(textwrap.dedent(WORKFLOW))
    return build_plan(load_workflow_file(path), {})


def outcome(ti: FakeTI, plan: WorkflowPlan, name: str):
    task = plan.tasks[name]
    return task_outcome(ti, task, read_states(ti, list(task.step_ids())))


def test_mapped_outcome_is_timed_out_when_only_timeouts_failed(plan):
    ti = FakeTI()
    ti.set_state("fan.gate", "success").set_state("fan.run", "success", 0)
    ti.set_state("fan.run", "failed", 1).put("fan.run", {"outcome": "timed_out", "error": "slow"}, map_index=1)
    ti.set_state("fan.run", "upstream_failed", 2)
    result = outcome(ti, plan, "fan")
    assert result.status == FAILED_OUTCOME  # item 2 never ran: a failure, not a timeout
    assert result.error == "item 1: slow; item 2: ended upstream_failed"
    ti.set_state("fan.run", "success", 2)
    assert outcome(ti, plan, "fan").status == TIMED_OUT


def test_empty_map_succeeds_and_a_crashed_gate_fails_with_its_error(plan):
    ti = FakeTI()
    ti.set_state("fan.gate", "success")  # 0-length map: Airflow never expands fan.run
    assert outcome(ti, plan, "fan").status == SUCCEEDED
    ti.set_state("fan.gate", "failed").put("fan.gate", "with_items is not a list", key=ERROR_KEY)
    result = outcome(ti, plan, "fan")
    assert (result.status, result.error) == (FAILED_OUTCOME, "with_items is not a list")


def test_item_results_read_through_automatic_chunks(plan):
    ti = FakeTI()
    ti.set_state("fan.gate", "success").put("fan.gate", ItemsMeta(3, chunk=2, items=3).to_xcom(), key=ITEMS_KEY)
    ti.put("fan.run", [{"n": 0}, {"n": 1}], map_index=0).put("fan.run", [{"n": 2}], map_index=1)
    results = task_result(ti, plan.tasks["fan"])
    assert len(results) == 3 and list(results) == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert results[-1] == {"n": 2}


def _decided(ti: FakeTI, plan: WorkflowPlan, name: str, selected=("joined",)) -> None:
    decider = plan.tasks[name].decider_id
    ti.set_state(decider, "success").put(decider, RouteDecision(SUCCEEDED, tuple(selected)).to_xcom(), key=ROUTE_KEY)


def test_join_gate_pokes_waits_starts_with_items_and_skips(plan, airflow_home):
    gate = AttuneJoinGateOperator(task_id="joined.gate", workflow_plan=plan, attune_task="joined")
    assert gate.mode == "reschedule"
    ti = FakeTI(task_id="joined.gate")
    context = {"ti": ti, "params": {}}
    ti.set_state("fan.route", "running").set_state("single.run", None).set_state("other.run", None)
    assert gate.poke(context) is False
    _decided(ti, plan, "fan")
    assert gate.poke(context) is False
    _decided(ti, plan, "single", selected=())
    ready = gate.poke(context)
    assert isinstance(ready, PokeReturnValue) and ready.is_done and ready.xcom_value == [10, 20]
    assert ItemsMeta.from_xcom(ti.pushed(ITEMS_KEY)) == ItemsMeta(2, 0, 2)

    ti = FakeTI(task_id="joined.gate")
    ti.set_state("fan.route", "skipped").set_state("single.run", "skipped").set_state("other.run", "running")
    with pytest.raises(AirflowSkipException, match="can no longer be met"):
        gate.poke({"ti": ti, "params": {}})
