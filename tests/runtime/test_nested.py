"""reference 3 nested workflows: the child runs as its own DAG run (TriggerDagRunOperator, deferred
wait), its output becomes the parent task's result; a failed child fails the parent task.

The child run is executed by the product's own :class:`ChildRunner` (what ``attune-airflow run``
uses), in a separate process against the same metadata DB and result store."""

from __future__ import annotations

import textwrap

import pytest

from attune_provider.cli.child_runs import ChildRunner
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


def run_with_children(dag, dag_file, conf):
    runner = ChildRunner(dag_file, {"test.child"}).start()
    try:
        dagrun = dag.test(run_conf=conf)
    finally:
        runner.stop()
    return RunReport(dag, dagrun), runner


def test_nested_workflow_result_and_failure(nested_dags):
    parent, dag_file, _ = nested_dags
    assert parent.get_task("call_child.run").trigger_dag_id == "test.child"
    assert parent.get_task("call_child.run").deferrable  # the waiting parent holds no worker slot

    report, runner = run_with_children(parent, dag_file, {"n": 21})
    assert runner.errors == []
    assert report.state == "success"
    assert report.states["call_child.run"] == "success"
    result = report.xcom("call_child.route")
    assert result["succeeded"] is True
    assert result["data"] == {"doubled": 42, "succeeded": True}
    assert report.variables()["child_doubled"] == 42
    assert report.output == {"doubled": 42, "succeeded": True}

    report, runner = run_with_children(parent, dag_file, {"n": 1, "fail": True})
    assert runner.errors == []  # the child run itself ended (failed), nobody had to fail it
    assert report.states["call_child.run"] == "failed"
    assert report.states["report.run"] == "skipped"
    assert report.state == "failed"  # failed() fired but started no task: unhandled
    # attune's text reaches the parent unchanged (scheduler.rs build_workflow_result_payload)
    assert report.variables()["child_error"] == "Workflow failed: 1 task(s) failed: explode"
    assert report.output == {"error": "Workflow failed: 1 task(s) failed: call_child", "succeeded": False}


def test_missing_child_dag_is_a_clear_error_naming_it(nested_dags):
    _, _, folder = nested_dags
    parent = compile_workflow(load_workflow_file(folder / "orphan.yaml"))
    report = RunReport(parent, parent.test())
    assert report.states["call_missing.run"] == "failed"
    error = report.variables()["child_error"]
    assert "child workflow 'test.nowhere'" in error and "call_missing" in error, error
    assert "run None" not in error
