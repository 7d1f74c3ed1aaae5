"""Transitions of a finished task (SPEC 4): all-match in order, publishes before targets start.

The decision is pushed as XCom ``ROUTE_KEY`` by the step that routes; gates of the targets read
it. Publishes are written to the run's variable store here, before this step ends, so every
target (which starts only after this step) sees them.
"""

from __future__ import annotations

import json
import logging
from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from attune_provider.expressions import ExpressionError
from attune_provider.expressions.conditions import evaluate_condition
from attune_provider.expressions.context import WorkflowContext
from attune_provider.expressions.engine import render
from attune_provider.runtime.plan import ROUTE_KEY, TaskPlan, WorkflowPlan
from attune_provider.runtime.states import XCOM_STATES, pull, read_states
from attune_provider.runtime.values import plain


def evaluate_transitions(
    task: TaskPlan,
    ctx: WorkflowContext,
    status: str,
    result: Any,
    log: logging.Logger,
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
            scope = octx.with_variables(ChainMap(updates, base_vars)) if updates else octx
            try:
                value = render(raw, scope, where=f"task '{name}' next[{number}] publish '{variable}'")
            except ExpressionError as exc:
                log.error("attune: publish of '%s' failed, variable left unchanged: %s", variable, exc)
                continue
            value = plain(value)
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                log.error("attune: publish of '%s' is not JSON data, variable left unchanged: %s", variable, exc)
                continue
            updates[variable] = value
        for target in transition.do:
            if target in task.targets and target not in selected:
                selected.append(target)
    return selected, updates


def route(
    plan: WorkflowPlan,
    task: TaskPlan,
    airflow_context: Mapping[str, Any],
    ctx: WorkflowContext,
    status: str,
    result: Any,
    error: str | None,
    log: logging.Logger,
) -> dict[str, Any]:
    """Evaluate, publish, push the decision; returns it."""
    from attune_provider.runtime.context import run_variables

    selected, updates = evaluate_transitions(task, ctx, status, result, log)
    if updates:
        run_variables(plan, airflow_context).publish(updates, writer=task.name)
        log.info("attune: task '%s' published %s", task.name, ", ".join(updates))
    decision = {"outcome": status, "selected": selected, "error": error}
    airflow_context["ti"].xcom_push(key=ROUTE_KEY, value=decision)
    log.info("attune: task '%s' %s -> %s", task.name, status, ", ".join(selected) or "(no task selected)")
    return decision


def read_decision(ti: Any, task: TaskPlan) -> dict[str, Any] | None:
    decider = task.decider_id
    if decider is None:
        return None
    value = pull(ti, decider, key=ROUTE_KEY)
    return value if isinstance(value, Mapping) else None


def selection(ti: Any, plan: WorkflowPlan, task: TaskPlan) -> str | None:
    """None when the task may run; otherwise why it is skipped (SPEC 5.2, 5.4)."""
    if not task.inbound:
        return None
    deciders = {source: plan.tasks[source].decider_id for source in task.inbound}
    states = read_states(ti, [d for d in deciders.values() if d])
    completed = chosen = 0
    for source, decider in deciders.items():
        if decider is None or states.state(decider) not in XCOM_STATES:
            continue  # skipped / never ran: no decision to read
        decision = read_decision(ti, plan.tasks[source])
        if decision is None:
            continue
        completed += 1
        if task.name in (decision.get("selected") or ()):
            chosen += 1
    if not chosen:
        return f"no inbound transition selected task '{task.name}'"
    join = task.spec.join
    if join and completed < join:
        return f"join: {join} not met ({completed} inbound predecessors completed)"
    return None
