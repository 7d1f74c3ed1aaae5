"""Whether an attune task starts: entry tasks, inbound decisions, ``join: N`` (docs/graph-semantics.md).

A task with inbound edges starts when a transition of a predecessor selected it. Without
``join`` its first step waits (trigger rule ``all_done``) until every predecessor decided, then
starts if one of them selected it. With ``join: N`` its gate polls instead: it starts as soon as
N predecessors completed and at least one selected it, without waiting for the others, and
gives up once N can no longer be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from attune_provider.runtime.outcome import SUCCEEDED
from attune_provider.runtime.plan import TaskPlan, WorkflowPlan
from attune_provider.runtime.routing import read_decision
from attune_provider.runtime.states import FINISHED_STATES, XCOM_STATES, read_states

START = "start"
WAIT = "wait"
SKIP = "skip"


@dataclass(frozen=True)
class Arrivals:
    """What the inbound predecessors of a task did so far."""

    completed: int = 0  # decided: succeeded, or failed with a transition that fired
    chosen: int = 0  # of those, how many selected this task
    pending: int = 0  # not finished yet (may still complete)


@dataclass(frozen=True)
class Verdict:
    action: str  # START, WAIT or SKIP
    reason: str = ""


def arrivals(ti: Any, plan: WorkflowPlan, task: TaskPlan) -> Arrivals:
    """Count the inbound predecessors' decisions (one state query, one XCom per decided one)."""
    deciders = {source: plan.tasks[source].decider_id for source in task.inbound}
    states = read_states(ti, [decider for decider in deciders.values() if decider])
    completed = chosen = pending = 0
    for source, decider in deciders.items():
        state = states.state(decider) if decider else None
        if decider is None or state not in FINISHED_STATES:
            pending += decider is not None
            continue
        if state not in XCOM_STATES:
            continue  # skipped / never selected: no decision
        decision = read_decision(ti, plan.tasks[source])
        if decision is None or not (decision.outcome == SUCCEEDED or decision.selected):
            continue  # a failure no transition handled does not arrive anywhere
        completed += 1
        chosen += decision.selects(task.name)
    return Arrivals(completed, chosen, pending)


def verdict(task: TaskPlan, seen: Arrivals) -> Verdict:
    """START, WAIT (join not met yet, but still reachable) or SKIP with the reason."""
    if not task.inbound:
        if task.entry:
            return Verdict(START)
        return Verdict(
            SKIP,
            f"task '{task.name}' is not an entry task (its only inbound transitions come from itself "
            "or a cycle) and no other task transitions to it",
        )
    join = task.spec.join
    if join:
        if seen.completed >= join and seen.chosen:
            return Verdict(START)
        if seen.pending and seen.completed + seen.pending >= join:
            return Verdict(WAIT, f"join: {join}: {seen.completed} inbound predecessor(s) completed so far")
        if seen.completed >= join:
            return Verdict(SKIP, f"no inbound transition selected task '{task.name}'")
        return Verdict(
            SKIP, f"join: {join} can no longer be met ({seen.completed} inbound predecessors completed)"
        )
    if seen.chosen:
        return Verdict(START)
    return Verdict(SKIP, f"no inbound transition selected task '{task.name}'")


def selection(ti: Any, plan: WorkflowPlan, task: TaskPlan) -> str | None:
    """None when the task may start now; otherwise why it is skipped (no waiting here)."""
    seen = arrivals(ti, plan, task) if task.inbound else Arrivals()
    result = verdict(task, seen)
    return None if result.action == START else result.reason or "not selected"
