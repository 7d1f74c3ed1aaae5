"""reference 6 end to end: mapping by reference, item/index, batch_size, concurrency, labels,
per-item retries, item results in order, empty lists, automatic batching, gate errors."""

from __future__ import annotations

import pytest

from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

ITEMS = """
ref: test.items
parameters:
  numbers: {type: array, default: [1, 2, 3, 4, 5, 6, 7]}
tasks:
  - name: fetch
    action: test.list
    next:
      - do: [each, batches, empty, auto, bad_items]
  - name: each
    action: test.item
    with_items: "{{ task.fetch.items }}"
    concurrency: 2
    retry: {count: 1, delay: 0}
    input:
      name: "{{ item.name }}"
      index: "{{ index }}"
    next:
      - when: "{{ succeeded() }}"
        publish:
          - each_count: "{{ length(result()) }}"
          - each_names: "{{ result() | map(attribute='name') | list }}"
  - name: batches
    action: test.batch
    with_items: "{{ parameters.numbers }}"
    batch_size: 3
    input:
      batch: "{{ item }}"
      number: "{{ index }}"
  - name: empty
    action: test.item
    with_items: "{{ [] }}"
    input: {name: never}
    next:
      - when: "{{ succeeded() }}"
        publish:
          - empty_result: "{{ result() }}"
        do: [after_empty]
  - name: after_empty
    action: core.noop
  - name: auto
    action: test.auto
    with_items: "{{ parameters.numbers }}"
    retry: {count: 1, delay: 0}
    input: {n: "{{ item }}", i: "{{ index }}"}
    next:
      - when: "{{ failed() }}"
        publish:
          - auto_results: "{{ result() | map(attribute='succeeded') | list }}"
        do: [auto_failed]
  - name: auto_failed
    action: core.noop
  - name: bad_items
    action: test.item
    with_items: "{{ missing_list_name }}"
    input: {name: x}
    next:
      - when: "{{ failed() }}"
        publish:
          - gate_error: "{{ result() }}"
        do: [on_bad]
  - name: on_bad
    action: core.noop
output_map:
  names: "{{ task.each | map(attribute='name') | list }}"
  batches: "{{ task.batches | map(attribute='data') | list }}"
  empty: "{{ task.empty }}"
  auto_n: "{{ task.auto | map(attribute='n') | list }}"
"""


def test_with_items_semantics(dag_env, tmp_path, registry):
    attempts: dict[str, int] = {}
    auto_calls: list[int] = []

    def listing():
        return {"items": [{"name": "alpha"}, {"name": "beta"}, {"name": "gamma"}]}

    def item(name, index=None):
        attempts[name] = attempts.get(name, 0) + 1
        if name == "beta" and attempts[name] == 1:
            raise RuntimeError("beta fails its first try")
        return {"name": name, "index": index}

    def batch(batch, number):
        return {"batch": batch, "number": number}

    def auto(n, i):
        auto_calls.append(n)
        if n == 5:
            raise RuntimeError("item 5 always fails")
        return {"n": n, "i": i}

    for ref, func in [
        ("test.list", listing),
        ("test.item", item),
        ("test.batch", batch),
        ("test.auto", auto),
    ]:
        registry.register(ref, func)
    dag = compile_text(tmp_path, "items", ITEMS, registry, max_map_length=3)
    run_task = dag.get_task("each.run")
    assert run_task.max_active_tis_per_dagrun == 2  # concurrency

    report = run_dag(dag)
    assert report.state == "success"
    # one mapped instance per item, labelled from the item, results in item order
    assert report.mapped_states["each.run"] == {0: "success", 1: "success", 2: "success"}
    assert report.labels["each.run"] == {0: "0: alpha", 1: "1: beta", 2: "2: gamma"}
    assert report.tries[("each.run", 1)] == 2 and report.tries[("each.run", 0)] == 1  # per-item retry
    assert report.xcom("each.run", map_index=2)["data"] == {"name": "gamma", "index": 2}
    variables = report.variables()
    assert variables["each_count"] == 3
    assert variables["each_names"] == ["alpha", "beta", "gamma"]
    assert report.output["names"] == ["alpha", "beta", "gamma"]
    # batch_size: item is the batch, index the batch number
    assert report.output["batches"] == [
        {"batch": [1, 2, 3], "number": 0},
        {"batch": [4, 5, 6], "number": 1},
        {"batch": [7], "number": 2},
    ]
    # empty list: succeeded with []
    assert report.states["after_empty.run"] == "success"
    assert variables["empty_result"] == [] and report.output["empty"] == []
    # automatic batching above max_map_length (3): 7 items in 3 instances, per-item results,
    # per-item retry (item 5 ran twice), order kept, the failure routed by failed()
    assert sorted(report.mapped_states["auto.run"]) == [0, 1, 2]
    assert report.labels["auto.run"][0] == "items 0-2"
    assert auto_calls.count(5) == 2 and auto_calls.count(4) == 1
    assert variables["auto_results"] == [True, True, True, True, False, True, True]
    assert report.states["auto_failed.run"] == "success"
    assert report.output["auto_n"] == [1, 2, 3, 4, None, 6, 7]
    # a with_items expression error fails the gate and counts as the task failing
    assert report.states["bad_items.gate"] == "failed"
    assert report.states["on_bad.run"] == "success"
    assert report.decision("bad_items")["outcome"] == "failed"
    assert "missing_list_name" in report.decision("bad_items")["error"]
