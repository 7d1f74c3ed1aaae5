"""with_items execution order (attune executor: ``concurrency`` defaults to 1; the first
``concurrency`` items are dispatched, then each freed slot takes the lowest pending
``task_index``). With concurrency 1 attune therefore runs the items one by one in item order;
with more, only the result list's order is guaranteed (docs/with_items.md).

Under a scheduler the provider keeps this (``max_active_tis_per_dagrun`` = concurrency, and the
scheduler queues ready instances by ``map_index``), and so does ``attune-airflow run``
(tests/cli/test_parallel_execution.py); a bare ``dag.test()`` does not, see the xfail."""

from __future__ import annotations

import pytest

from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

FLOW = """
ref: test.item_order
parameters:
  names: {type: array, default: [a, b, c, d, e, f, g, h]}
tasks:
  - name: each
    action: test.record
    with_items: "{{ parameters.names }}"
    input:
      name: "{{ item }}"
output_map:
  names: "{{ task.each | map(attribute='name') | list }}"
"""


@pytest.mark.xfail(
    strict=True,
    reason="known deviation of a bare dag.test(): it sets every ready mapped instance SCHEDULED at once and "
    "runs them in set order, ignoring max_active_tis_per_dagrun; the scheduler honours it and picks by "
    "map_index, and `attune-airflow run` hands such tasks to a scheduler (cli/modes.py, docs/with_items.md)",
)
def test_concurrency_1_runs_items_one_by_one_in_item_order(dag_env, tmp_path, registry):
    calls: list[str] = []

    def record(name):
        calls.append(name)
        return {"name": name}

    registry.register("test.record", record)
    dag = compile_text(tmp_path, "item_order", FLOW, registry)
    assert dag.get_task("each.run").max_active_tis_per_dagrun == 1
    report = run_dag(dag)
    assert report.state == "success"
    # the result list is in item order whatever the execution order (reference 6.5)
    assert report.output["names"] == ["a", "b", "c", "d", "e", "f", "g", "h"]
    assert sorted(calls) == ["a", "b", "c", "d", "e", "f", "g", "h"]  # each item ran once
    assert calls == ["a", "b", "c", "d", "e", "f", "g", "h"]  # attune: one by one, in item order
