"""Which mode `attune-airflow run` picks: parallel only where it can win (docs/running.md)."""

from __future__ import annotations

import textwrap

from attune_provider.cli.parallel import PARALLEL_MAX_ITEMS, choose_mode
from attune_provider.spec.loader import load_workflow_file

FLOW = """
ref: mode.test
parameters:
  n: {type: integer, default: 24}
tasks:
  - name: list
    action: core.noop
    next: [{do: [fan, from_result]}]
  - name: fan
    action: core.noop
    with_items: "{{ range(parameters.n) | list }}"
    concurrency: 8
  - name: from_result
    action: core.noop
    with_items: "{{ task.list.items }}"
    concurrency: 32
"""


def _workflow(tmp_path, text=FLOW):
    path = tmp_path / "flow.yaml"
    path.write_text(textwrap.dedent(text))
    return load_workflow_file(path)


def test_few_known_items_with_concurrency_run_in_parallel(tmp_path):
    mode, why = choose_mode(_workflow(tmp_path), False, False, {"n": 24})
    assert mode == "parallel" and "'fan': 24 items at concurrency 8" in why


def test_many_or_unknown_items_stay_serial(tmp_path):
    mode, why = choose_mode(_workflow(tmp_path), False, False, {"n": PARALLEL_MAX_ITEMS + 1})
    assert mode == "serial"
    assert f"'fan': {PARALLEL_MAX_ITEMS + 1} items" in why and "'from_result': known only at run time" in why


def test_flags_win(tmp_path):
    workflow = _workflow(tmp_path)
    assert choose_mode(workflow, True, False, {"n": 24})[0] == "serial"
    assert choose_mode(workflow, False, True, {"n": 1000})[0] == "parallel"
