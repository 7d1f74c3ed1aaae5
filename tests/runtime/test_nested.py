"""SPEC 3 nested workflows: the child runs as its own DAG run (TriggerDagRunOperator, waiting),
its output becomes the parent task's result; a failed child fails the parent task."""

from __future__ import annotations

import textwrap

import pytest

from attune_provider.compiler import compile_workflow
from attune_provider.spec.loader import load_workflow_file
from tests.runtime.helpers import install_nested_dag_file, run_dag_with_child_runner

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


@pytest.fixture
def nested_dags(dag_env, tmp_path):
    folder = tmp_path / "nested"
    folder.mkdir()
    (folder / "child.yaml").write_text(textwrap.dedent(CHILD))
    (folder / "parent.yaml").write_text(textwrap.dedent(PARENT))
    dag_file = install_nested_dag_file(dag_env / "dags", folder)
    parent = compile_workflow(load_workflow_file(folder / "parent.yaml"))
    yield parent
    dag_file.unlink()


def test_nested_workflow_result_and_failure(nested_dags):
    parent = nested_dags
    assert parent.get_task("call_child.run").trigger_dag_id == "test.child"

    report, child = run_dag_with_child_runner(parent, "test.child", {"n": 21})
    assert child.returncode == 0, child.stdout[-3000:]
    assert report.state == "success"
    assert report.states["call_child.run"] == "success"
    result = report.xcom("call_child.route")
    assert result["succeeded"] is True
    assert result["data"] == {"doubled": 42, "succeeded": True}
    assert report.variables()["child_doubled"] == 42
    assert report.output == {"doubled": 42, "succeeded": True}

    report, child = run_dag_with_child_runner(parent, "test.child", {"n": 1, "fail": True})
    assert child.returncode == 1, child.stdout[-3000:]  # the child run itself failed
    assert report.states["call_child.run"] == "failed"
    assert report.states["report.run"] == "skipped"
    assert report.state == "failed"  # failed() fired but started no task: unhandled
    assert "child told to fail" in report.variables()["child_error"]
    assert "call_child" in report.output["error"]
