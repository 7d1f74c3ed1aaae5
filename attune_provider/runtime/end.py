"""The run's verdict and result (reference 5.5, 8).

The run fails iff a failure stayed unhandled (no transition of the failed task started
anything) or a routing step crashed; then the end task fails with
attune's ``{"error": "Workflow failed: N task(s) failed: a, b", "succeeded": false}``. Otherwise ``output_map`` is rendered against the final
context and returned with ``"succeeded": true``; a key that fails to render is left out.
(attune's ``build_output_map_result``).

No evaluation error ends as a silent success: every ``when``/``publish`` that failed to
evaluate (recorded in the routing decisions) and every ``output_map`` key left out is listed in
the result under ``evaluation_errors`` (present only when there is one), whatever the outcome;
the CLI prints this result.
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


#: result key listing the evaluation errors of a run (only present when there is one)
EVALUATION_ERRORS_KEY = "evaluation_errors"


def evaluation_errors(plan: WorkflowPlan, ti: Any) -> list[str]:
    """The ``when``/``publish`` evaluation errors every routing step recorded, in document order."""
    found: list[str] = []
    for task in plan.tasks.values():
        decision = read_decision(ti, task)
        if decision is not None:
            found.extend(decision.problems)
    return found


def render_output(
    plan: WorkflowPlan, context: Mapping[str, Any], log: TaskLog, errors: list[str] | None = None
) -> dict[str, Any]:
    """The rendered ``output_map``; a key that fails is left out, logged and added to ``errors``."""
    output_map = plan.workflow.output_map or {}
    if not output_map:
        return {}
    from attune_provider.runtime.context import sealed_variable_names
    from attune_provider.runtime.secret_values import masked_output, secret_parameter_names

    ctx = build_context(plan, context)
    output: dict[str, Any] = {}
    for key, raw in output_map.items():
        try:
            output[key] = plain(render(raw, ctx, where=f"output_map '{key}'"))
        except ExpressionError as exc:
            log.error("attune: output_map key '%s' left out: %s", key, exc)
            if errors is not None:
                errors.append(f"output_map key '{key}' left out: {exc}")
    # the result is stored and printed (show, the UI, the CLI): never a secret in clear
    return masked_output(
        output,
        dict(output_map),
        secret_parameter_names(plan.workflow.parameters),
        sealed_variable_names(plan, context),
    )


def finish_run(plan: WorkflowPlan, context: Mapping[str, Any], log: TaskLog) -> dict[str, Any]:
    ti = context["ti"]
    errors = evaluation_errors(plan, ti)
    problems = unhandled_failures(plan, ti)
    if problems:
        failure: dict[str, Any] = workflow_failure(problems)
        if errors:
            failure[EVALUATION_ERRORS_KEY] = errors
        for problem in problems:
            log.error("attune: %s", problem.detail)
        ti.xcom_push(key="return_value", value=failure)
        log.error("attune: workflow %s: %s", plan.dag_id, failure["error"])
        raise AirflowFailException(f"workflow {plan.dag_id}: {failure['error']}")
    output = render_output(plan, context, log, errors)
    if errors:
        log.error("attune: workflow %s had %d evaluation error(s): %s", plan.dag_id, len(errors), "; ".join(errors))
    return workflow_result(output, errors)


def workflow_result(output: dict[str, Any], errors: list[str] | None = None) -> dict[str, Any]:
    """The successful run's result: the rendered ``output_map`` plus ``succeeded: true``, unless
    ``output_map`` has its own ``succeeded`` key, which attune keeps (scheduler.rs
    ``build_workflow_result_payload``); plus ``evaluation_errors`` when there were any (an
    ``output_map`` key of that name is kept and the errors go under ``attune_evaluation_errors``)."""
    result = {**output, "succeeded": output.get("succeeded", True)}
    if errors:
        key = EVALUATION_ERRORS_KEY if EVALUATION_ERRORS_KEY not in output else f"attune_{EVALUATION_ERRORS_KEY}"
        result[key] = list(errors)
    return result
