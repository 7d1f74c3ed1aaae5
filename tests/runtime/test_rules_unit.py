"""Graph rules of the runtime as millisecond tests: entry tasks, selection, join, end of run.

Plans are built from real YAML through the real loader; the only stand-in is the task
instance (tests/runtime/fake_ti.py). The golden entry-point cases are the facts of attune's
own tests in crates/executor/src/workflow/graph.rs (named per case).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from attune_provider.runtime.end import unhandled_failures, workflow_failure, workflow_result
from attune_provider.runtime.plan import WorkflowPlan, build_plan
from attune_provider.runtime.records import ROUTE_KEY, ItemsMeta, RouteDecision
from attune_provider.runtime.selection import SKIP, START, WAIT, Arrivals, arrivals, selection, verdict
from attune_provider.spec.graph import entry_points
from attune_provider.spec.loader import load_workflow_file
from tests.runtime.fake_ti import FakeTI


def plan_of(tmp_path: Path, text: str) -> WorkflowPlan:
    path = tmp_path / "wf.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return build_plan(load_workflow_file(path), {})


# -- entry points: golden cases from attune crates/executor/src/workflow/graph.rs -----------

GOLDEN_ENTRY_POINTS = {
    # test_simple_sequential_graph: task1 -> task2 -> task3
    "test_simple_sequential_graph": (
        "tasks:\n- {name: task1, next: [{when: '{{ succeeded() }}', do: [task2]}]}\n"
        "- {name: task2, next: [{when: '{{ succeeded() }}', do: [task3]}]}\n- {name: task3}\n",
        ["task1"],
    ),
    # test_parallel_entry_points: task1 and task2 both lead to final_task
    "test_parallel_entry_points": (
        "tasks:\n- {name: task1, next: [{do: [final_task]}]}\n- {name: task2, next: [{do: [final_task]}]}\n"
        "- {name: final_task}\n",
        ["task1", "task2"],
    ),
    # test_cycle_support: check -> process on success, check -> check on failure: NO entry point
    "test_cycle_support": (
        "tasks:\n- name: check\n  next:\n  - {when: '{{ succeeded() }}', do: [process]}\n"
        "  - {when: '{{ failed() }}', do: [check]}\n- {name: process}\n",
        [],
    ),
    # test_inbound_tasks: task1 has no inbound edge
    "test_inbound_tasks": (
        "tasks:\n- {name: task1, next: [{do: [final_task]}]}\n- {name: task2, next: [{do: [final_task]}]}\n"
        "- {name: final_task}\n",
        ["task1", "task2"],
    ),
}


@pytest.mark.parametrize("case", sorted(GOLDEN_ENTRY_POINTS))
def test_golden_entry_points_from_attune_graph_rs(tmp_path, case):
    text, expected = GOLDEN_ENTRY_POINTS[case]
    plan = plan_of(tmp_path, text)
    assert entry_points(plan.workflow.tasks) == expected
    assert [name for name, task in plan.tasks.items() if task.entry] == expected
    assert list(plan.workflow.entry_tasks()) == expected


SELF_LOOP = """
tasks:
  - name: first
    next: [{do: [looping]}]
  - name: looping
    next: [{when: "{{ failed() }}", do: [looping]}]
  - name: only_self
    next: [{when: "{{ failed() }}", do: [only_self]}]
  - name: x
    next: [{do: [y]}]
  - name: y
    next: [{do: [x]}]
"""


def test_task_whose_only_inbound_edge_is_from_itself_never_runs(tmp_path):
    plan = plan_of(tmp_path, SELF_LOOP)
    ti = FakeTI()
    assert plan.tasks["only_self"].inbound == () and not plan.tasks["only_self"].entry
    reason = selection(ti, plan, plan.tasks["only_self"])
    assert reason is not None and "not an entry task" in reason
    # a cycle nothing leads into: neither task starts
    assert selection(ti, plan, plan.tasks["x"]) is not None
    # the first task of a pure cycle is no entry task either (its back edge was dropped)
    assert plan.tasks["x"].inbound == () and not plan.tasks["x"].entry
    # a task with a self loop AND a real inbound edge still runs when selected
    assert selection(ti, plan, plan.tasks["first"]) is None
    ti.set_state("first.run", "success").put(
        "first.run", RouteDecision("succeeded", ("looping",)).to_xcom(), key=ROUTE_KEY
    )
    assert selection(ti, plan, plan.tasks["looping"]) is None


# -- selection and join --------------------------------------------------------------------

JOIN = """
tasks:
  - {name: a, next: [{do: [j]}]}
  - {name: b, next: [{do: [j]}]}
  - name: c
    next:
      - {when: "{{ succeeded() }}", do: [j]}
  - {name: j, join: 2}
  - {name: plain_target}
"""


def decided(ti: FakeTI, task: str, outcome: str = "succeeded", selected=("j",), state=None) -> None:
    ti.set_state(f"{task}.run", state or ("success" if outcome == "succeeded" else "failed"))
    ti.put(f"{task}.run", RouteDecision(outcome, tuple(selected), None).to_xcom(), key=ROUTE_KEY)


def test_join_starts_once_n_completed_and_one_selected(tmp_path):
    plan = plan_of(tmp_path, JOIN)
    j = plan.tasks["j"]
    assert j.has_gate and j.joins
    ti = FakeTI()
    ti.set_state("a.run", "running").set_state("b.run", None).set_state("c.run", "scheduled")
    assert verdict(j, arrivals(ti, plan, j)).action == WAIT
    decided(ti, "a")
    assert arrivals(ti, plan, j) == Arrivals(completed=1, chosen=1, pending=2)
    assert verdict(j, arrivals(ti, plan, j)).action == WAIT
    decided(ti, "b", selected=())  # completed without selecting j: counts toward N
    seen = arrivals(ti, plan, j)
    assert seen == Arrivals(completed=2, chosen=1, pending=1)
    assert verdict(j, seen).action == START  # c still running: not waited for


def test_join_gives_up_when_n_can_no_longer_be_reached(tmp_path):
    plan = plan_of(tmp_path, JOIN)
    j = plan.tasks["j"]
    ti = FakeTI()
    decided(ti, "a")
    ti.set_state("b.run", "skipped").set_state("c.run", "skipped")
    result = verdict(j, arrivals(ti, plan, j))
    assert result.action == SKIP and "can no longer be met" in result.reason


def test_unhandled_failure_does_not_arrive_but_handled_one_does(tmp_path):
    plan = plan_of(tmp_path, JOIN)
    j = plan.tasks["j"]
    ti = FakeTI()
    decided(ti, "a", outcome="failed", selected=())  # failed, no transition fired
    decided(ti, "b", outcome="failed", selected=("j",))  # failed, its transition fired
    ti.set_state("c.run", "running")
    assert arrivals(ti, plan, j) == Arrivals(completed=1, chosen=1, pending=1)
    assert verdict(j, arrivals(ti, plan, j)).action == WAIT


def test_join_met_but_nobody_selected_skips_when_nothing_is_pending(tmp_path):
    plan = plan_of(tmp_path, JOIN)
    j = plan.tasks["j"]
    seen = Arrivals(completed=3, chosen=0, pending=0)
    assert verdict(j, seen).action == SKIP


def test_plain_task_without_inbound_edges_is_an_entry(tmp_path):
    plan = plan_of(tmp_path, JOIN)
    assert selection(FakeTI(), plan, plan.tasks["plain_target"]) is None


# -- records ------------------------------------------------------------------------------


def test_records_round_trip_and_reject_foreign_values():
    decision = RouteDecision("failed", ("h",), "boom")
    assert RouteDecision.from_xcom(decision.to_xcom()) == decision
    assert RouteDecision.from_xcom({"selected": ["x"]}) is None
    assert RouteDecision.from_xcom({"outcome": "succeeded", "selected": "x"}) is None
    assert RouteDecision.from_xcom(None) is None
    meta = ItemsMeta(count=3, chunk=2, items=6)
    assert ItemsMeta.from_xcom(meta.to_xcom()) == meta
    assert ItemsMeta.from_xcom({"count": "x"}) is None


# -- end of run ----------------------------------------------------------------------------


def test_output_map_keeps_its_own_succeeded_key():
    # attune crates/executor/src/scheduler.rs build_workflow_result_payload: entry().or_insert(true)
    assert workflow_result({"succeeded": "custom", "n": 1}) == {"succeeded": "custom", "n": 1}
    assert workflow_result({"n": 1}) == {"n": 1, "succeeded": True}
    assert workflow_result({}) == {"succeeded": True}


FAILING = """
tasks:
  - name: a
    next: [{when: "{{ failed() }}", do: [handler]}]
  - {name: handler}
  - {name: lonely}
"""


def test_unhandled_failures_names_only_failures_no_transition_handled(tmp_path):
    plan = plan_of(tmp_path, FAILING)
    ti = FakeTI(task_id=plan.end_id)
    ti.set_state("a.run", "failed").put("a.run", {"outcome": "failed", "error": "boom"})
    ti.put("a.run", RouteDecision("failed", ("handler",), "boom").to_xcom(), key=ROUTE_KEY)
    ti.set_state("handler.run", "success").set_state("lonely.run", "failed")
    ti.put("lonely.run", {"outcome": "timed_out", "error": "too slow"})
    problems = unhandled_failures(plan, ti)
    assert [(p.task, p.detail) for p in problems] == [("lonely", "task 'lonely' timed_out: too slow")]
    # attune's text, crates/executor/src/scheduler.rs build_workflow_result_payload
    assert workflow_failure(problems) == {"error": "Workflow failed: 1 task(s) failed: lonely", "succeeded": False}


def test_one_outcome_vocabulary_across_layers():
    """Actions, routing and conditions name outcomes from attune_provider/outcomes.py only."""
    from attune_provider import outcomes
    from attune_provider.actions import result
    from attune_provider.expressions import context
    from attune_provider.runtime import outcome

    assert result.Outcome is outcomes.Outcome and result.OUTCOMES is outcomes.OUTCOMES
    assert (outcome.SUCCEEDED, outcome.FAILED_OUTCOME, outcome.TIMED_OUT) == outcomes.OUTCOMES
    assert context.OUTCOMES is outcomes.CONDITION_OUTCOMES
