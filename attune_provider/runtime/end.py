"""The run's verdict and result (reference 5.5, 8).

The run fails iff a failure stayed unhandled (no transition of the failed task started
anything) or a routing step crashed; then the end task fails with
attune's ``{"error": "Workflow failed: N task(s) failed: a, b", "succeeded": false}``. Otherwise ``output_map`` is rendered against the final
context and returned with ``"succeeded": true``; a key that fails to render is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from attune_provider.expressions import ExpressionError
from attune_provider.expressions.engine import render
from attune_provider.runtime.context import build_context
from attune_provider.runtime.outcome import task_outcome
from attune_provider.runtime.plan import WorkflowPlan
from attune_provider.runtime.routing import read_decision
from attune_provider.runtime.states import FAILED, UPSTREAM_FAILED, read_states
from attune_provider.runtime.task_log import TaskLog
from attune_provider.runtime.values import plain


@dataclass(frozen=True)
class Unhandled:
    """One task whose failure stayed unhandled (or whose routing step crashed)."""

    task: str
    detail: str

    def __str__(self) -> str:
        return self.detail


def unhandled_failures(plan: WorkflowPlan, ti: Any) -> list[Unhandled]:
    """Each unhandled failure or crashed routing step, in document order."""
    states = read_states(ti, plan.all_step_ids(), whole_run=True)
    problems: list[Unhandled] = []
    for task in plan.tasks.values():
        if task.has_route and states.state(task.route_id) in (FAILED, UPSTREAM_FAILED):
            problems.append(
                Unhandled(task.name, f"routing of task '{task.name}' crashed (see the log of {task.route_id})")
            )
            continue
        outcome = task_outcome(ti, task, states)
        if not outcome.failed:
            continue
        decision = read_decision(ti, task)
        if decision is not None and decision.selected:
            continue  # handled: a transition started another task
        if task.decider_id is not None and decision is None:
            detail = f"task '{task.name}' {outcome.status} and was never routed: {outcome.error}"
        else:
            detail = f"task '{task.name}' {outcome.status}: {outcome.error}"
        problems.append(Unhandled(task.name, detail))
    return problems


def workflow_failure(problems: list[Unhandled]) -> dict[str, Any]:
    """The failed run's result in attune's words: ``{"error": "Workflow failed: N task(s) failed:
    a, b", "succeeded": false}`` (``crates/executor/src/scheduler.rs``,
    ``build_workflow_result_payload``); each task's own error goes to the end task's log."""
    names = list(dict.fromkeys(problem.task for problem in problems))
    error = f"Workflow failed: {len(names)} task(s) failed: {', '.join(names)}"
    return {"error": error, "succeeded": False}


def render_output(plan: WorkflowPlan, context: Mapping[str, Any], log: TaskLog) -> dict[str, Any]:
    output_map = plan.workflow.output_map or {}
    if not output_map:
        return {}
    ctx = build_context(plan, context)
    output: dict[str, Any] = {}
    for key, raw in output_map.items():
        try:
            output[key] = plain(render(raw, ctx, where=f"output_map '{key}'"))
        except ExpressionError as exc:
            log.error("attune: output_map key '%s' left out: %s", key, exc)
    return output


def finish_run(plan: WorkflowPlan, context: Mapping[str, Any], log: TaskLog) -> dict[str, Any]:
    ti = context["ti"]
    problems = unhandled_failures(plan, ti)
    if problems:
        failure = workflow_failure(problems)
        for problem in problems:
            log.error("attune: %s", problem.detail)
        ti.xcom_push(key="return_value", value=failure)
        log.error("attune: workflow %s: %s", plan.dag_id, failure["error"])
        raise AirflowFailException(f"workflow {plan.dag_id}: {failure['error']}")
    return workflow_result(render_output(plan, context, log))


def workflow_result(output: dict[str, Any]) -> dict[str, Any]:
    """The successful run's result: the rendered ``output_map`` plus ``succeeded: true``, unless
    ``output_map`` has its own ``succeeded`` key, which attune keeps (scheduler.rs
    ``build_workflow_result_payload``)."""
    return {**output, "succeeded": output.get("succeeded", True)}
