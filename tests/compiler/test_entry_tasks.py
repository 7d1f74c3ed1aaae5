"""reference 5.1: independent entry tasks start together (issue 21 point 4).

attune dispatches every entry point of the task graph at once (``crates/executor/src/scheduler.rs``
``process_workflow_execution``: "For each entry-point task, create a child execution and dispatch
it"). On Airflow that holds whenever the executor can run more than one instance, if the
compiled DAG adds no ordering between entry tasks: each entry task's first step has no upstream
task, no step of one entry task is upstream of another's, and the DAG's own limits allow them all
to be running at the same time. Checked on the DAG structure (no run needed).
"""

from __future__ import annotations

import pytest

from attune_provider.compiler import compile_workflow
from attune_provider.spec.loader import load_workflow_file

WORKFLOW = """
ref: test.entries
tasks:
  - name: plain
    action: core.noop
    next: [{do: [joined]}]
  - name: fanned
    action: core.echo
    with_items: "{{ [1, 2] }}"
    concurrency: 2
    input: {message: "{{ item }}"}
    next: [{do: [joined]}]
  - name: routed
    action: core.noop
    next:
      - when: "{{ failed() }}"
        do: [handler]
  - name: nested_like
    action: core.echo
    input: {message: x}
  - name: handler
    action: core.noop
  - name: joined
    action: core.noop
    join: 2
"""
ENTRIES = ("plain", "fanned", "routed", "nested_like")


@pytest.fixture(scope="module")
def dag(tmp_path_factory):
    path = tmp_path_factory.mktemp("entries") / "entries.yaml"
    path.write_text(WORKFLOW)
    return compile_workflow(load_workflow_file(path))


def test_entry_tasks_have_no_ordering_between_them(dag):
    plan = dag.attune_plan
    steps = {name: set(plan.tasks[name].step_ids()) for name in ENTRIES}
    roots = {task.task_id for task in dag.tasks if not task.upstream_task_ids}
    for name in ENTRIES:
        first = plan.tasks[name].step_ids()[0]
        assert first in roots, f"entry task {name!r} waits for {sorted(dag.get_task(first).upstream_task_ids)}"
        downstream = {t.task_id for step in steps[name] for t in dag.get_task(step).get_flat_relatives(upstream=False)}
        for other in ENTRIES:
            if other != name:
                assert not steps[other] & downstream, f"{name!r} orders {other!r}"
    # exactly the entry tasks' first steps are ready when the run starts
    assert {tid.split(".", 1)[0] for tid in roots} == set(ENTRIES)


def test_the_dag_limits_let_every_entry_task_run_at_once(dag):
    assert dag.max_active_tasks >= len(ENTRIES)
    for name in ENTRIES:
        for step in dag.attune_plan.tasks[name].step_ids():
            task = dag.get_task(step)
            assert task.pool == "default_pool" and task.pool_slots == 1
            # per-task concurrency applies to a task's own instances, never across entry tasks
            assert task.max_active_tis_per_dag is None
