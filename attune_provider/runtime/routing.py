"""Transitions of a finished task (reference 4): all-match in order, publishes before targets start.

The decision is pushed as XCom ``ROUTE_KEY`` by the step that routes; gates of the targets read
it. Publishes are written to the run's variable store here, before this step ends, so every
target (which starts only after this step) sees them.
"""

from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from typing import Any, cast

from attune_provider.expressions import ExpressionError
from attune_provider.expressions.conditions import evaluate_condition
from attune_provider.expressions.context import WorkflowContext
from attune_provider.expressions.engine import render
from attune_provider.runtime.plan import TaskPlan, WorkflowPlan
from attune_provider.runtime.records import ROUTE_KEY, RouteDecision
from attune_provider.runtime.states import pull
from attune_provider.runtime.task_log import TaskLog
from attune_provider.runtime.values import plain


def evaluate_transitions(
    task: TaskPlan,
    ctx: WorkflowContext,
    status: str,
    result: Any,
    log: TaskLog,
) -> tuple[list[str], dict[str, Any]]:
    """(selected targets in first-fired order, variable updates in publish order)."""
    name = task.name
    base_vars = ctx.variables
    updates: dict[str, Any] = {}
    selected: list[str] = []
    octx = ctx.with_outcome(status, result)
    for number, transition in enumerate(task.spec.next, start=1):
        where = f"task '{name}' next[{number}] when"
        if transition.when is not None:
            try:
                fires = evaluate_condition(transition.when, octx, where=where)
            except ExpressionError as exc:
                log.error("attune: %s: condition failed, treated as false: %s", where, exc)
                continue
            if not fires:
                continue
        for variable, raw in transition.publish:
            scope = octx.with_variables(ChainMap(updates, writable_view(base_vars))) if updates else octx
            try:
                value = render(raw, scope, where=f"task '{name}' next[{number}] publish '{variable}'")
            except ExpressionError as exc:
                log.error("attune: publish of '%s' failed, variable left unchanged: %s", variable, exc)
                continue
            value = plain(value)
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                log.error(
                    "attune: publish of '%s' is not JSON data, variable left unchanged: %s", variable, exc
                )
                continue
            updates[variable] = value
        for target in transition.do:
            if target in task.targets and target not in selected:
                selected.append(target)
    return selected, updates


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
    from attune_provider.runtime.context import run_variables

    selected, updates = evaluate_transitions(task, ctx, status, result, log)
    if updates:
        run_variables(plan, airflow_context).publish(updates, writer=task.name)
        log.info("attune: task '%s' published %s", task.name, ", ".join(updates))
    decision = RouteDecision(status, tuple(selected), error)
    airflow_context["ti"].xcom_push(key=ROUTE_KEY, value=decision.to_xcom())
    log.info("attune: task '%s' %s -> %s", task.name, status, ", ".join(selected) or "(no task selected)")
    return decision


def read_decision(ti: Any, task: TaskPlan) -> RouteDecision | None:
    """The task's pushed decision (None: it never routed, or has no transitions)."""
    decider = task.decider_id
    if decider is None:
        return None
    return RouteDecision.from_xcom(pull(ti, decider, key=ROUTE_KEY))
