"""Which way `attune-airflow run` hands a workflow to Airflow (attune_provider/cli/modes.py)."""

from __future__ import annotations

import textwrap

import pytest

from attune_provider.cli.errors import CliError
from attune_provider.cli.modes import PARALLEL_MAX_ITEMS, choose_mode
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

ORDERED = """
ref: mode.ordered
tasks:
  - name: roll
    action: core.noop
    with_items: "{{ ['a', 'b'] }}"
"""

ASK = """
ref: mode.ask
tasks:
  - name: approve
    action: core.noop
    wait_for: {inquiry: ok?}
"""


def _workflow(tmp_path, text=FLOW):
    path = tmp_path / "flow.yaml"
    path.write_text(textwrap.dedent(text))
    return load_workflow_file(path)


def _mode(workflow, params=None, nested=False, serial=False, parallel=False):
    return choose_mode(workflow, params or {}, nested=nested, serial=serial, parallel=parallel)


def test_few_known_items_to_overlap_use_airflows_processes(tmp_path):
    assert _mode(_workflow(tmp_path), {"n": 24}) == ("airflow", "task 'fan': 24 items at concurrency 8")


def test_many_quick_items_known_only_at_run_time_stay_in_process(tmp_path):
    mode, why = _mode(_workflow(tmp_path), {"n": PARALLEL_MAX_ITEMS + 1})
    assert mode == "in-process", why  # the main job's shape: 1,000 items from a task result


def test_item_order_children_and_inquiries_need_a_scheduler(tmp_path):
    assert _mode(_workflow(tmp_path, ORDERED))[0] == "airflow"
    assert "in item order" in _mode(_workflow(tmp_path, ORDERED))[1]
    assert _mode(_workflow(tmp_path, ASK)) == ("airflow", "task 'approve' waits for an inquiry")
    assert _mode(_workflow(tmp_path), {"n": 500}, nested=True) == ("airflow", "it runs child workflows")


def test_flags_win_but_serial_refuses_what_dag_test_cannot_run(tmp_path):
    assert _mode(_workflow(tmp_path), {"n": 24}, serial=True) == ("in-process", "--serial")
    assert _mode(_workflow(tmp_path, ORDERED), serial=True) == ("in-process", "--serial")
    assert _mode(_workflow(tmp_path), {"n": 500}, parallel=True) == ("airflow", "--parallel")
    with pytest.raises(CliError, match=r"--serial cannot run mode\.ask: task .approve. waits for an inquiry"):
        _mode(_workflow(tmp_path, ASK), serial=True)
