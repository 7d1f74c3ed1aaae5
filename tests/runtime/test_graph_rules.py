"""End-to-end proof (dag.test()) of three graph rules as attune runs them:

* a task whose only inbound edge is from itself is no entry point and never runs
  (attune crates/executor/src/workflow/graph.rs, test_cycle_support);
* ``output_map`` with its own ``succeeded`` key keeps the user's value
  (attune crates/executor/src/scheduler.rs, build_workflow_result_payload);
* ``join: N`` starts the task once N inbound predecessors completed, without waiting for a
  slow one (compared on the task-instance records, not wall time).

The rules themselves are unit-tested in test_rules_unit.py.
"""

from __future__ import annotations

import time

import pytest

from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

ENTRY = """
ref: test.entry_rules
tasks:
  - name: first
    action: test.ok
    input: {value: first}
  - name: only_self
    action: test.ok
    input: {value: only_self}
    next:
      - when: "{{ failed() }}"
        do: [only_self]
output_map:
  succeeded: "{{ 'partial' }}"
  first: "{{ task.first.value }}"
"""

JOIN = """
ref: test.join_first_n
tasks:
  - name: fast1
    action: test.ok
    input: {value: fast1}
    next: [{do: [joined]}]
  - name: fast2
    action: test.ok
    input: {value: fast2}
    next: [{do: [joined]}]
  - name: slow_1
    action: test.ok
    next: [{do: [slow_2]}]
  - name: slow_2
    action: test.ok
    next: [{do: [slow_3]}]
  - name: slow_3
    action: test.ok
    next: [{do: [slow]}]
  - name: slow
    action: test.slow
    next: [{do: [joined]}]
  - name: joined
    join: 2
    action: test.ok
    input: {value: "{{ [task.fast1.value, task.fast2.value] }}"}
output_map:
  joined: "{{ task.joined.value }}"
"""


@pytest.fixture
def calls(registry):
    seen: list[str] = []

    def ok(value=None):
        seen.append(f"ok:{value}")
        return {"value": value}

    def slow():
        seen.append("slow")
        time.sleep(2)
        return {"value": "slow"}

    registry.register("test.ok", ok)
    registry.register("test.slow", slow)
    return seen


def _ti_times(report, task_id: str):
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        ti = session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == report.dag.dag_id,
                TaskInstance.run_id == report.run_id,
                TaskInstance.task_id == task_id,
            )
        ).one()
        return ti.start_date, ti.end_date


def test_self_loop_only_task_never_runs_and_output_map_keeps_succeeded(dag_env, tmp_path, registry, calls):
    dag = compile_text(tmp_path, "entry", ENTRY, registry)
    report = run_dag(dag)
    assert report.state == "success"
    assert report.states["first.run"] == "success"
    assert report.states["only_self.run"] == "skipped"
    assert "ok:only_self" not in calls
    assert report.output == {"succeeded": "partial", "first": "first"}


def test_join_two_does_not_wait_for_a_slow_third_predecessor(dag_env, tmp_path, registry, calls, monkeypatch):
    monkeypatch.setenv("AIRFLOW__ATTUNE__JOIN_POKE_INTERVAL", "0.05")
    dag = compile_text(tmp_path, "join", JOIN, registry)
    report = run_dag(dag)
    assert report.state == "success"
    assert report.states["joined.run"] == "success"
    assert report.states["slow.run"] == "success"
    _, joined_end = _ti_times(report, "joined.run")
    slow_start, slow_end = _ti_times(report, "slow.run")
    # joined ran (and finished) before the slow predecessor even started
    assert joined_end <= slow_start, (joined_end, slow_start)
    assert report.output == {"joined": ["fast1", "fast2"], "succeeded": True}
    # the end task still waited for the slow one
    end_start, _ = _ti_times(report, dag.attune_plan.end_id)
    assert end_start >= slow_end
