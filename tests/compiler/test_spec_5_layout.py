"""reference 5.3 layout invariants on every example workflow, compiled as the DAG processor does:
``end`` is the only leaf, downstream of every routing step, never retried; no gate, run or
route uses ``one_success``/``one_done`` (they fire on the first finished upstream and break joins
and mapped routes)."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FIRST_FINISHED_RULES = {"one_success", "one_done", "one_failed"}


@pytest.fixture(scope="module")
def example_dags(tmp_path_factory):
    from attune_provider.compiler.dag_loader import SpecCache, build_dags

    report = build_dags(
        None, folders=[EXAMPLES], cache=SpecCache(tmp_path_factory.mktemp("spec-cache")), only_dag_id=None
    )
    assert report.dags, "no example workflow compiled"
    return report.dags


def test_end_is_the_single_leaf_downstream_of_every_route(example_dags):
    for dag_id, dag in example_dags.items():
        plan = dag.attune_plan
        leaves = [task.task_id for task in dag.tasks if not task.downstream_task_ids]
        assert leaves == [plan.end_id], dag_id
        end = dag.get_task(plan.end_id)
        assert end.retries == 0 and end.trigger_rule == "all_done", dag_id
        upstream_of_end = end.get_flat_relative_ids(upstream=True)
        for task in plan.tasks.values():
            if task.has_route:
                assert task.route_id in upstream_of_end, (dag_id, task.name)


def test_no_gate_run_or_route_fires_on_the_first_finished_upstream(example_dags):
    for dag_id, dag in example_dags.items():
        rules = {task.task_id: getattr(task.trigger_rule, "value", task.trigger_rule) for task in dag.tasks}
        assert not {tid for tid, rule in rules.items() if rule in FIRST_FINISHED_RULES}, (dag_id, rules)
        for task in dag.attune_plan.tasks.values():
            if task.has_route:
                assert rules[task.route_id] == "all_done", (dag_id, task.name)
