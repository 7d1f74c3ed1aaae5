"""``attune-airflow render --task`` agrees with the runtime: same items, same input.

Each case computes the runtime's answer (the gate's ``map_items`` and ``render_input`` on the
context a run builds, through tests/runtime/fake_ti.py) and the preview's
(``render_task_input``) and compares them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from attune_provider.cli.errors import CliError
from attune_provider.cli.render_cmd import render_task_input
from attune_provider.runtime.context import build_context
from attune_provider.runtime.gate import AttuneGateOperator, map_items
from attune_provider.runtime.inputs import render_input
from attune_provider.runtime.plan import build_plan
from attune_provider.runtime.records import ITEMS_KEY
from attune_provider.spec.loader import load_workflow_file
from tests.runtime.fake_ti import FakeTI

WORKFLOW = """
ref: test.preview
parameters:
  servers: {type: array}
  name: {type: string, default: ada}
vars:
  greeting: "hello {{ parameters.name }}"
tasks:
  - name: check
    action: core.echo
    with_items: "{{ parameters.servers }}"
    input: {message: "{{ vars.greeting }} / {{ item }}"}
  - name: plain
    action: core.echo
    input: {message: "{{ vars.greeting }}"}
"""


@pytest.fixture
def workflow(tmp_path: Path):
    path = tmp_path / "preview.yaml"
    path.write_text(textwrap.dedent(WORKFLOW))
    return load_workflow_file(path)


def runtime_side(workflow, task_name: str, params: dict):
    """(units the gate maps over or None, input of instance 0) as a run computes them."""
    plan = build_plan(workflow, {})
    task = plan.tasks[task_name]
    ti = FakeTI(dag_id=workflow.ref, task_id=task.gate_id if task.mapped else task.run_id)
    context = {"ti": ti, "params": params}
    units = None
    ctx = build_context(plan, context)
    if task.mapped:
        gate = AttuneGateOperator(task_id=task.gate_id, workflow_plan=plan, attune_task=task.name)
        units = map_items(gate, context)
        assert ti.pushed(ITEMS_KEY)["count"] == len(units)
        if not units:
            return units, None
        ctx = ctx.with_item(units[0], 0)
    return units, render_input(task, ctx)


def test_null_with_items_is_no_item_in_both(airflow_home, workflow):
    units, _ = runtime_side(workflow, "check", {"servers": None, "name": "ada"})
    assert units == []
    with pytest.raises(CliError, match="with_items renders to an empty list"):
        render_task_input(workflow, "check", {"servers": None, "name": "ada"}, None)


def test_items_and_input_agree(airflow_home, workflow):
    params = {"servers": ["a", "b"], "name": "ada"}
    units, runtime_input = runtime_side(workflow, "check", params)
    preview = render_task_input(workflow, "check", params, 0)
    assert preview["instances"] == len(units) == 2 and preview["item"] == units[0] == "a"
    assert preview["input"] == runtime_input


def test_templated_vars_are_literal_in_both(airflow_home, workflow):
    # attune seeds the context with vars as written (WorkflowContext::new inserts them
    # unrendered, crates/executor/src/workflow/context.rs); the preview must not render them
    params = {"servers": [], "name": "ada"}
    _, runtime_input = runtime_side(workflow, "plain", params)
    preview = render_task_input(workflow, "plain", params, None)
    assert runtime_input == {"message": "hello {{ parameters.name }}"}
    assert preview["input"] == runtime_input
