"""Graph checks on a parsed task list: back edges (reference 5.6), reachability, wait_for in cycles.

attune parses cycles but runs each task at most once, so an edge back to a task that already
ran never starts anything. A depth-first walk from the entry tasks, in document order, finds
exactly those edges (an edge to a task still on the DFS stack); dropping them leaves the DAG
Airflow needs without changing what runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from attune_provider.spec.model import TaskSpec, Transition, entry_points

__all__ = ["BackEdge", "GraphFindings", "analyse_graph", "condition_text", "entry_points", "transition_label"]


@dataclass(frozen=True)
class BackEdge:
    source: str
    target: str
    transition: Transition


@dataclass(frozen=True)
class GraphFindings:
    back_edges: tuple[BackEdge, ...]
    unreachable: tuple[str, ...]  # never started by any transition from an entry task
    wait_for_in_cycle: tuple[str, ...]  # tasks with wait_for that sit on a cycle


def _successors(tasks: Sequence[TaskSpec]) -> dict[str, list[tuple[str, Transition]]]:
    """task -> [(target, first transition naming it)], targets in first-seen order."""
    names = {task.name for task in tasks}
    result: dict[str, list[tuple[str, Transition]]] = {}
    for task in tasks:
        seen: dict[str, Transition] = {}
        for transition in task.next:
            for target in transition.do:
                if target in names:
                    seen.setdefault(target, transition)
        result[task.name] = list(seen.items())
    return result


def analyse_graph(tasks: Sequence[TaskSpec]) -> GraphFindings:
    successors = _successors(tasks)
    entries = entry_points(tasks)
    state: dict[str, int] = {}  # 1 = on the stack, 2 = finished
    back_edges: list[BackEdge] = []

    def walk(start: str) -> None:
        state[start] = 1
        stack = [(start, iter(successors[start]))]
        while stack:
            node, children = stack[-1]
            for target, transition in children:
                mark = state.get(target)
                if mark == 1:
                    back_edges.append(BackEdge(node, target, transition))
                elif mark is None:
                    state[target] = 1
                    stack.append((target, iter(successors[target])))
                    break
            else:
                state[node] = 2
                stack.pop()

    for entry in entries:
        if entry not in state:
            walk(entry)
    unreachable = tuple(task.name for task in tasks if task.name not in state)
    # keep walking the unreachable rest (document order) so every cycle is broken and the
    # graph Airflow gets is acyclic; those tasks never run (their gates skip them)
    for name in unreachable:
        if name not in state:
            walk(name)
    return GraphFindings(
        back_edges=tuple(back_edges),
        unreachable=unreachable,
        wait_for_in_cycle=tuple(
            task.name for task in tasks if task.wait_for is not None and _on_cycle(task.name, successors)
        ),
    )


def _on_cycle(name: str, successors: dict[str, list[tuple[str, Transition]]]) -> bool:
    """True when ``name`` can reach itself again."""
    pending = [target for target, _ in successors[name]]
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        if node == name:
            return True
        if node not in seen:
            seen.add(node)
            pending.extend(target for target, _ in successors[node])
    return False


_BRACES = re.compile(r"\{\{\s*(.*?)\s*\}\}", flags=re.S)


def condition_text(when: str | None) -> str:
    """A ``when`` as people read it: outer ``{{ }}`` removed, whitespace collapsed."""
    if not when:
        return ""
    text = when.strip()
    match = _BRACES.fullmatch(text)
    return " ".join((match.group(1) if match else text).split())


def transition_label(transition: Transition, limit: int | None = None) -> str:
    """An edge label: the ``__chart_meta__`` label, else the condition; then the publishes.

    ``limit`` shortens it (with an ellipsis) for places with little room, such as the
    Airflow graph view. An unconditional transition without publishes has no label.
    """
    parts = []
    condition = transition.label or condition_text(transition.when)
    if condition:
        parts.append(condition)
    if transition.publish:
        parts.append("publish " + ", ".join(name for name, _ in transition.publish))
    text = " / ".join(parts)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
