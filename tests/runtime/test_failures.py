"""reference 3 retry/timeout, 5.5 unhandled failures, 8 failed run result, 5.4 join not met."""

from __future__ import annotations

import pytest

from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

FAILURES = """
ref: test.failures
parameters:
  region: {type: string, default: eu}
vars:
  slow_outcome: none
tasks:
  - name: boom
    action: test.fail
    next:
      - when: "{{ succeeded() }}"
        do: [after_boom]
  - name: after_boom
    action: core.noop
  - name: slow
    action: core.sleep
    input: {seconds: 5}
    timeout: "{{ 1 }}"
    next:
      - when: "{{ timed_out() }}"
        publish:
          - slow_outcome: timed_out
        do: [on_timeout]
      - when: "{{ failed() }}"
        do: [on_failure]
  - name: on_timeout
    action: core.echo
    input: {message: "{{ task.slow.error }}"}
    next:
      - do: [needs_two]
  - name: on_failure
    action: core.noop
    next:
      - do: [needs_two]
  - name: needs_two
    join: 2
    action: core.noop
  - name: no_input
    action: test.params
  - name: flaky
    action: test.flaky
    retry: {count: 2, delay: 1, backoff: linear}
    next:
      - when: "{{ succeeded() }}"
        publish:
          - flaky_attempts: "{{ result().attempts }}"
output_map:
  never: rendered
"""


def test_unhandled_failure_fails_run_timeouts_and_linear_retries(dag_env, tmp_path, registry):
    attempts: list[int] = []

    def fail():
        raise ValueError("boom exploded")

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError(f"flaky attempt {len(attempts)}")
        return {"attempts": len(attempts)}

    registry.register("test.fail", fail)
    registry.register("test.flaky", flaky)
    registry.register("test.params", lambda **params: {"received": params})
    dag = compile_text(tmp_path, "failures", FAILURES, registry)
    report = run_dag(dag)

    # 5.5 boom failed and no transition started anything: the run fails at the end task
    assert report.state == "failed"
    assert report.states["boom.run"] == "failed"
    assert report.states["after_boom.run"] == "skipped"
    assert report.states["end"] == "failed"
    output = report.output
    assert output["succeeded"] is False
    # attune's text (scheduler.rs build_workflow_result_payload): the timeout was handled
    assert output == {"error": "Workflow failed: 1 task(s) failed: boom", "succeeded": False}
    assert report.result("slow")["timed_out"] is True  # attune's timeout result key (executor.rs)
    # timeout: a distinct timed_out outcome, routed by timed_out(), not failed()
    assert report.result("slow")["outcome"] == "timed_out"
    assert report.states["slow.run"] == "failed"
    assert report.states["on_timeout.run"] == "success"
    assert report.states["on_failure.run"] == "skipped"
    assert report.variables()["slow_outcome"] == "timed_out"
    # join: 2 with only one completed predecessor never runs
    assert report.states["needs_two.run"] == "skipped"
    # a task without input receives the workflow parameters (reference 3)
    assert report.result("no_input")["data"] == {"received": {"region": "eu"}}
    # retry: 3 tries of the same task instance, linear delays 1 s then 2 s
    assert report.states["flaky.run"] == "success"
    assert report.tries[("flaky.run", -1)] == 3
    assert report.variables()["flaky_attempts"] == 3
    gaps = report.retry_gaps("flaky.run")
    assert len(gaps) == 2
    # the lower bounds prove the linear delays (1 s, then 2 s); the upper one only catches a runaway
    # delay: on a loaded 2-core CI (the tiers run side by side) a gap of 7.3 s was seen for 1 s
    assert 1.0 <= gaps[0] < 2.0 + 30
    assert gaps[1] >= 2.0
