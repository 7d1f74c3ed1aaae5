"""reference 3 wait_for.inquiry on Airflow's human-in-the-loop operator, answered in-test through
the HITL endpoint's code, and timed out through the scheduler's sweep."""

from __future__ import annotations

import time

import pytest

from tests.runtime.helpers import answer_hitl, compile_text, expire_hitl_timeouts, run_dag_with_human

pytestmark = pytest.mark.airflow

INQUIRY = """
ref: test.inquiry
parameters:
  what: {type: string, default: release 1.2}
vars:
  outcome: pending
tasks:
  - name: ask
    action: core.echo
    input: {message: inquiry-42}
    next: [{do: [guarded]}]
  - name: guarded
    action: test.record
    wait_for:
      inquiry: "{{ task.ask.stdout }}"
      prompt: "Approve {{ parameters.what }}?"
      response_schema:
        note: {type: string}
      timeout: 2
    input:
      response: "{{ inquiry.guarded.response }}"
    next:
      - when: "{{ succeeded() and inquiry.guarded.response.approved == true }}"
        publish:
          - outcome: approved
          - note: "{{ inquiry.guarded.response.note }}"
        do: [approved_handler]
      - when: "{{ succeeded() and inquiry.guarded.response.approved == false }}"
        publish:
          - outcome: denied
        do: [denied_handler]
      - when: "{{ timed_out() }}"
        publish:
          - outcome: timeout
        do: [timeout_handler]
  - name: approved_handler
    action: core.noop
  - name: denied_handler
    action: core.noop
  - name: timeout_handler
    action: core.noop
output_map:
  outcome: "{{ workflow.outcome }}"
"""


@pytest.fixture
def inquiry_dag(tmp_path, registry):
    seen = []
    registry.register("test.record", lambda response: seen.append(response) or {"got": response})
    return compile_text(tmp_path, "inquiry", INQUIRY, registry), seen


def test_inquiry_answer_releases_the_task(dag_env, inquiry_dag):
    dag, seen = inquiry_dag
    prompts = []

    def respond(task_id, run_id, map_index):
        from airflow.models.hitl import HITLDetail
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            ti = session.scalars(
                select(TaskInstance).filter_by(dag_id=dag.dag_id, run_id=run_id, task_id=task_id)
            ).one()
            detail = session.get(HITLDetail, ti.id)
            prompts.append((detail.subject, detail.body, list(detail.options)))
        answer_hitl(dag.dag_id, run_id, task_id, ["approve"], {"note": "ship it"}, map_index)

    report = run_dag_with_human(dag, respond)
    assert report.state == "success"
    assert prompts == [("Approve release 1.2?", "attune inquiry: inquiry-42", ["approve", "reject"])]
    assert report.states["guarded.gate"] == "success"
    assert report.states["guarded.inquiry"] == "success"
    assert report.states["guarded.run"] == "success"
    assert report.states["approved_handler.run"] == "success"
    assert report.states["denied_handler.run"] == "skipped"
    assert seen[0]["approved"] is True and seen[0]["note"] == "ship it" and seen[0]["choice"] == "approve"
    assert report.variables()["note"] == "ship it"
    assert report.output == {"outcome": "approved", "succeeded": True}


def test_unanswered_inquiry_times_out(dag_env, inquiry_dag):
    dag, seen = inquiry_dag

    def let_it_expire(task_id, run_id, map_index):
        time.sleep(2.5)  # past the 2 s response timeout
        expire_hitl_timeouts()

    report = run_dag_with_human(dag, let_it_expire)
    assert report.state == "success"  # the timeout was handled by timed_out()
    assert report.states["guarded.inquiry"] == "failed"
    assert report.states["guarded.run"] == "failed"
    assert report.result("guarded")["outcome"] == "timed_out"
    assert report.states["timeout_handler.run"] == "success"
    assert report.output == {"outcome": "timeout", "succeeded": True}
    assert seen == []  # the action never ran
