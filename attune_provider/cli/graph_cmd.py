"""``attune-airflow graph``: the attune task graph as Mermaid or Graphviz DOT.

Drawn from the loaded workflow (no Airflow needed): one node per task, one edge per transition
target labelled with its condition (or ``__chart_meta__`` label) and publishes; back edges the
compiler drops (reference 5.6) are drawn dashed.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from attune_provider.cli.workflows import load_workflow
from attune_provider.spec.graph import transition_label
from attune_provider.spec.model import TaskSpec, WorkflowSpec

#: drawn as the start node when every task has an inbound edge (attune then runs nothing)
NO_ENTRY = "no entry task: nothing runs"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    dropped: bool


def edges(workflow: WorkflowSpec) -> list[Edge]:
    dropped = set(workflow.back_edges)
    return [
        Edge(task.name, target, transition_label(transition), (task.name, target) in dropped)
        for task in workflow.tasks
        for transition in task.next
        for target in transition.do
    ]


def _edge_text(edge: Edge) -> str:
    return " ".join(part for part in (edge.label, "(back edge, never runs)" if edge.dropped else "") if part)


def node_lines(task: TaskSpec) -> list[str]:
    lines = [task.name]
    if task.type == "workflow" or task.action:
        lines.append(task.action or "workflow")
    marks = []
    if task.with_items is not None:
        marks.append(
            "with_items" + (f" x{task.batch_size}" if task.batch_size and task.batch_size > 1 else "")
        )
    if task.join:
        marks.append(f"join {task.join}")
    if task.retry and task.retry.count:
        marks.append(f"retry {task.retry.count}")
    if task.wait_for is not None:
        marks.append("waits for inquiry")
    if marks:
        lines.append(", ".join(marks))
    return lines


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(workflow: WorkflowSpec) -> str:
    ids = {task.name: f"t{i}" for i, task in enumerate(workflow.tasks)}
    out = ["flowchart TD", f"  %% {workflow.ref}"]
    out.append('  start(("start"))' if workflow.entry_tasks() else f'  start(("{NO_ENTRY}"))')
    for task in workflow.tasks:
        label = "<br/>".join(_mermaid_text(line) for line in node_lines(task))
        out.append(f'  {ids[task.name]}["{label}"]')
    for name in workflow.entry_tasks():
        out.append(f"  start --> {ids[name]}")
    for edge in edges(workflow):
        if edge.target not in ids:
            continue
        arrow = "-.->" if edge.dropped else "-->"
        label = _edge_text(edge)
        text = f'|"{_mermaid_text(label)}"|' if label else ""
        out.append(f"  {ids[edge.source]} {arrow}{text} {ids[edge.target]}")
    return "\n".join(out) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(workflow: WorkflowSpec) -> str:
    out = [
        f'digraph "{_dot_text(workflow.ref)}" {{',
        "  rankdir=TB;",
        '  node [shape=box, style="rounded", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
        f'  "__start__" [label="{"start" if workflow.entry_tasks() else NO_ENTRY}", shape=circle];',
    ]
    for task in workflow.tasks:
        label = "\\n".join(_dot_text(line) for line in node_lines(task))
        out.append(f'  "{_dot_text(task.name)}" [label="{label}"];')
    for name in workflow.entry_tasks():
        out.append(f'  "__start__" -> "{_dot_text(name)}";')
    for edge in edges(workflow):
        attrs = []
        label = _edge_text(edge)
        if label:
            attrs.append(f'label="{_dot_text(label)}"')
        if edge.dropped:
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        out.append(f'  "{_dot_text(edge.source)}" -> "{_dot_text(edge.target)}"{suffix};')
    out.append("}")
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    workflow = load_workflow(args.workflow, args.ref)
    print(to_mermaid(workflow) if args.format == "mermaid" else to_dot(workflow), end="")
    return 0
