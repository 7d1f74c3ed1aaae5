"""Transitions of a finished task (reference 4): all-match in order, publishes before targets start.

The decision is pushed as XCom ``ROUTE_KEY`` by the step that routes; gates of the targets read
it. Publishes are written to the run's variable store here, before this step ends, so every
target (which starts only after this step) sees them.

Evaluation errors follow attune's scheduler (crates/executor/src/scheduler.rs, the transition
loop of ``advance_workflow``): a ``when`` that fails to evaluate is logged and the transition
fires iff the task succeeded ("Defaulting to fire-on-success"); a ``publish`` that fails is
logged and the transition's targets still start. attune never fails the task for either, so
neither does this; each error is recorded in the decision (``problems``) and ``runtime.end``
puts them in the run's result (``evaluation_errors``), so no error ends as a silent success.
"""

from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from typing import Any, NamedTuple, cast

from attune_provider.expressions import ExpressionError
from attune_provider.expressions.conditions import evaluate_condition
from attune_provider.expressions.context import WorkflowContext
from attune_provider.expressions.engine import render
from attune_provider.outcomes import SUCCEEDED
from attune_provider.runtime.plan import TaskPlan, WorkflowPlan
from attune_provider.runtime.records import ROUTE_KEY, RouteDecision
from attune_provider.runtime.states import pull
from attune_provider.runtime.task_log import TaskLog
from attune_provider.runtime.values import plain


class Transitions(NamedTuple):
    """What ``evaluate_transitions`` decided."""

    selected: list[str]
    updates: dict[str, Any]
    problems: list[str]


def evaluate_transitions(
    task: TaskPlan,
    ctx: WorkflowContext,
    status: str,
    result: Any,
    log: TaskLog,
) -> Transitions:
    """Selected targets in first-fired order, variable updates in publish order, and one line
    per ``when``/``publish`` that failed to evaluate (see the module docstring for the rule)."""
    name = task.name
    base_vars = ctx.variables
    updates: dict[str, Any] = {}
    selected: list[str] = []
    problems: list[str] = []
    octx = ctx.with_outcome(status, result)
    for number, transition in enumerate(task.spec.next, start=1):
        where = f"task '{name}' next[{number}] when"
        if transition.when is not None:
            try:
                fires = evaluate_condition(transition.when, octx, where=where)
            except ExpressionError as exc:
                fires = status == SUCCEEDED  # attune: "Defaulting to fire-on-success"
                rule = "fires because the task succeeded" if fires else "is not taken: the task did not succeed"
                problems.append(f"{exc} (as in attune, the transition {rule})")
                log.error("attune: %s", problems[-1])
            if not fires:
                continue
        for variable, raw in transition.publish:
            scope = octx.with_variables(ChainMap(updates, writable_view(base_vars))) if updates else octx
            try:
                value = render(raw, scope, where=f"task '{name}' next[{number}] publish '{variable}'")
            except ExpressionError as exc:
                problems.append(f"publish of '{variable}' failed, variable left unchanged: {exc}")
                log.error("attune: %s", problems[-1])
                continue
            value = plain(value)
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                problems.append(
                    f"task '{name}' next[{number}] publish of '{variable}' is not JSON data, "
                    f"variable left unchanged: {exc}"
                )
                log.error("attune: %s", problems[-1])
                continue
            updates[variable] = value
        for target in transition.do:
            if target in task.targets and target not in selected:
                selected.append(target)
    return Transitions(selected, updates, problems)


def writable_view(variables: Mapping[str, Any]) -> MutableMapping[str, Any]:
    """For ChainMap's typing only: it writes to its first map, never to the run's variables."""
    return cast(MutableMapping[str, Any], variables)


def route(
    plan: WorkflowPlan,
    task: TaskPlan,
    airflow_context: Mapping[str, Any],
    ctx: WorkflowContext,
    status: str,
    result: Any,
    error: str | None,
    log: TaskLog,
) -> RouteDecision:
    """Evaluate, publish, push the decision; returns it."""
    from attune_provider.runtime.context import run_variables, sealed_variable_names
    from attune_provider.runtime.secret_values import seal_updates, secret_parameter_names

    selected, updates, problems = evaluate_transitions(task, ctx, status, result, log)
    if updates:
        templates = {name: raw for transition in task.spec.next for name, raw in transition.publish}
        stored, sealed = seal_updates(
            updates,
            templates,
            secret_parameter_names(plan.workflow.parameters),
            sealed_variable_names(plan, airflow_context),
        )
        run_variables(plan, airflow_context).publish(stored, writer=task.name)
        log.info(
            "attune: task '%s' published %s%s",
            task.name,
            ", ".join(updates),
            f" (sealed as secrets: {', '.join(sealed)})" if sealed else "",
        )
    decision = RouteDecision(status, tuple(selected), error, tuple(problems))
    airflow_context["ti"].xcom_push(key=ROUTE_KEY, value=decision.to_xcom())
    log.info("attune: task '%s' %s -> %s", task.name, status, ", ".join(selected) or "(no task selected)")
    return decision


def read_decision(ti: Any, task: TaskPlan) -> RouteDecision | None:
    """The task's pushed decision (None: it never routed, or has no transitions)."""
    decider = task.decider_id
    if decider is None:
        return None
    return RouteDecision.from_xcom(pull(ti, decider, key=ROUTE_KEY))
