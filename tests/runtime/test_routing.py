"""reference 4 and 5 end to end: all-match transitions, publish, entry tasks, skips, join,
handled failures, when/publish errors, dropped back edges, output_map."""

from __future__ import annotations

import pytest

from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

ROUTING = """
ref: test.routing
label: Routing rules
parameters:
  fail_step: {type: string, default: b}
vars:
  counter: 0
  untouched: keep
tasks:
  - name: start
    action: test.ok
    input: {value: start}
    next: [{do: [a]}]
  - name: a
    action: test.ok
    input: {value: 1}
    next:
      - when: "{{ succeeded() }}"
        publish:
          - from_a: "{{ result().value }}"
          - doubled: "{{ from_a * 2 }}"
        do: [b, c]
      - when: "{{ succeeded() }}"
        publish:
          - also
        do: [d]
      - when: "{{ failed() }}"
        do: [never]
      - when: "{{ no_such_name.x }}"
        do: [never]
  - name: b
    action: test.maybe_fail
    input:
      fail: "{{ parameters.fail_step == 'b' }}"
    next:
      - when: "{{ failed() }}"
        publish:
          - untouched: "{{ unknown_thing }}"
          - b_error: "{{ result().error }}"
        do: [handler]
      - when: "{{ succeeded() }}"
        do: [joined]
  - name: c
    action: test.ok
    input: {value: 3}
    next:
      - do: [joined]
  - name: d
    action: core.echo
    input: {message: "d after {{ task.a.value }}"}
    next:
      - when: "{{ succeeded() }}"
        do: [a]
  - name: handler
    action: test.ok
    input: {value: "{{ task.b.error }}"}
  - name: joined
    join: 2
    action: test.ok
    input: {value: "{{ [task.c.value, task.b.succeeded] }}"}
  - name: never
    action: test.ok
  - name: second_entry
    action: test.ok
output_map:
  from_a: "{{ workflow.from_a }}"
  doubled: "{{ variables.doubled }}"
  joined: "{{ task.joined.value }}"
  broken: "{{ unknown_output_name }}"
"""


@pytest.fixture
def routing_dag(tmp_path, registry):
    calls: list[str] = []

    def ok(value=None):
        calls.append(f"ok:{value}")
        return {"value": value}

    def maybe_fail(fail):
        calls.append(f"maybe_fail:{fail}")
        if fail:
            raise RuntimeError("b was told to fail")
        return {"value": "b-ok"}

    registry.register("test.ok", ok)
    registry.register("test.maybe_fail", maybe_fail)
    dag = compile_text(tmp_path, "routing", ROUTING, registry)
    return dag, calls


def test_handled_failure_all_match_publish_join_and_skips(dag_env, routing_dag):
    dag, calls = routing_dag
    report = run_dag(dag, {"fail_step": "b"})

    # 5.5 a handled failure leaves the run successful while the failed task stays failed
    assert report.state == "success"
    assert report.states == {
        "start.run": "success",  # a's only other inbound edge (from d) is a back edge: 5.1
        "a.run": "success",
        "b.run": "failed",
        "c.run": "success",
        "d.run": "success",
        "handler.run": "success",
        "joined.gate": "success",  # join: polls the decisions (5.4)
        "joined.run": "success",
        "never.run": "success",  # selected by a's erroring when: attune fires it on success
        "second_entry.run": "success",  # 5.1 second entry task
        "end": "success",
    }
    # 4.1 all-match: both succeeded() transitions fired; the erroring when fired because a
    # succeeded (attune's rule) and is recorded; 5.6 the back edge d -> a was dropped, so a ran once
    decision_a = report.decision("a")
    assert decision_a["selected"] == ["b", "c", "d", "never"] and decision_a["error"] is None
    assert len(decision_a["problems"]) == 1 and "no_such_name" in decision_a["problems"][0]
    assert calls.count("ok:1") == 1
    decision_b = report.decision("b")
    assert decision_b["outcome"] == "failed" and decision_b["selected"] == ["handler"]
    assert "b was told to fail" in decision_b["error"]
    # 4.3 publish: sequential, bare name = result(), failing publish leaves the variable unchanged
    variables = report.variables()
    assert variables["from_a"] == 1 and variables["doubled"] == 2
    assert variables["also"]["data"] == {"value": 1}
    assert variables["untouched"] == "keep"
    assert "b was told to fail" in variables["b_error"]
    assert variables["counter"] == 0
    # 5.4 join: 2 -- b and c completed, c selected it
    assert report.result("joined")["data"] == {"value": [3, False]}
    assert "ok:RuntimeError: b was told to fail" in calls
    # 8 output_map rendered against the final context; the failing key is left out; every
    # evaluation error (a's when, b's publish, the output_map key) is listed in the result
    output = dict(report.output)
    errors = output.pop("evaluation_errors")
    assert output == {"from_a": 1, "doubled": 2, "joined": [3, False], "succeeded": True}
    assert len(errors) == 3
    assert "task 'a' next[4] when" in errors[0] and "no_such_name" in errors[0]
    assert "publish of 'untouched' failed" in errors[1] and "unknown_thing" in errors[1]
    assert "output_map key 'broken' left out" in errors[2]


def test_success_path_takes_other_branch(dag_env, routing_dag):
    dag, _calls = routing_dag
    report = run_dag(dag, {"fail_step": "none"})
    assert report.state == "success"
    assert report.states["b.run"] == "success"
    assert report.states["handler.run"] == "skipped"
    assert report.states["joined.run"] == "success"
    assert report.decision("b")["selected"] == ["joined"]
    assert report.output["joined"] == [3, True]
    assert "b_error" not in report.variables()
