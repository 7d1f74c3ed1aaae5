"""reference 3 nested workflows: the child runs as its own DAG run (TriggerDagRunOperator, deferred
wait), its output becomes the parent task's result; a failed child fails the parent task.

A child run needs a scheduler (``dag.test()`` runs one DAG run only): the child's result and a
failed child are proven through Airflow's own scheduler in
``tests/cli/test_run_features.py::test_nested_workflows_run_for_real_to_any_depth``; here the
compiled operator and a child Airflow does not know."""

from __future__ import annotations

import textwrap

import pytest

from attune_provider.compiler import compile_workflow
from attune_provider.spec.loader import load_workflow_file
from tests.runtime.helpers import RunReport, install_nested_dag_file

pytestmark = pytest.mark.airflow

CHILD = """
ref: test.child
parameters:
  n: {type: integer, required: true}
  fail: {type: boolean, default: false}
tasks:
  - name: compute
    action: "tests.runtime.nested_actions:double"
    input: {n: "{{ parameters.n }}"}
    next:
      - when: "{{ succeeded() and parameters.fail }}"
        do: [explode]
  - name: explode
    action: "tests.runtime.nested_actions:explode"
    input: {message: "child told to fail"}
output_map:
  doubled: "{{ task.compute.doubled }}"
"""

PARENT = """
ref: test.parent
parameters:
  n: {type: integer, default: 21}
  fail: {type: boolean, default: false}
tasks:
  - name: call_child
    type: workflow
    action: test.child
    input:
      n: "{{ parameters.n }}"
      fail: "{{ parameters.fail }}"
    next:
      - when: "{{ succeeded() }}"
        publish:
          - child_doubled: "{{ result().doubled }}"
        do: [report]
      - when: "{{ failed() }}"
        publish:
          - child_error: "{{ result().error }}"
  - name: report
    action: core.echo
    input: {message: "child said {{ task.call_child.doubled }}"}
output_map:
  doubled: "{{ task.call_child.doubled }}"
"""


MISSING = """
ref: test.orphan_parent
tasks:
  - name: call_missing
    type: workflow
    action: test.nowhere
    next:
      - when: "{{ failed() }}"
        publish:
          - child_error: "{{ result().error }}"
output_map:
  error: "{{ workflow.child_error }}"
"""


@pytest.fixture
def nested_dags(dag_env, tmp_path):
    folder = tmp_path / "nested"
    folder.mkdir()
    (folder / "child.yaml").write_text(textwrap.dedent(CHILD))
    (folder / "parent.yaml").write_text(textwrap.dedent(PARENT))
    (folder / "orphan.yaml").write_text(textwrap.dedent(MISSING))
    dag_file = install_nested_dag_file(dag_env / "dags", folder)
    parent = compile_workflow(load_workflow_file(folder / "parent.yaml"))
    yield parent, dag_file, folder
    dag_file.unlink()


def test_nested_task_triggers_the_child_and_waits_deferred(nested_dags):
    parent, _, _ = nested_dags
    assert parent.get_task("call_child.run").trigger_dag_id == "test.child"
    assert parent.get_task("call_child.run").deferrable  # the waiting parent holds no worker slot


def test_missing_child_dag_is_a_clear_error_naming_it(nested_dags):
    _, _, folder = nested_dags
    parent = compile_workflow(load_workflow_file(folder / "orphan.yaml"))
    report = RunReport(parent, parent.test())
    assert report.states["call_missing.run"] == "failed"
    error = report.variables()["child_error"]
    assert "child workflow 'test.nowhere'" in error and "call_missing" in error, error
    assert "run None" not in error
