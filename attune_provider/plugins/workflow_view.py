"""Server-rendered HTML of the Attune workflow view (a DAG tab).

Shows the workflow's params with their descriptions, its attune tasks with their iteration,
mapping label rule and transitions (``when`` -> ``do``), the compiled Airflow tasks, and the
attune source with line numbers. For a load-error placeholder DAG it shows the broken file with
the error lines highlighted and the problem under each.
"""

from __future__ import annotations

from attune_provider.plugins.html import e, page, table
from attune_provider.plugins.workflow_data import LABEL_RULE, SourceFile, WorkflowInfo


def workflow_html(info: WorkflowInfo) -> str:
    parts = [f"<h1>{e(info.dag_id)}</h1>", "<div class='sub'>attune workflow</div>"]
    if not info.found:
        parts.append("<p>This DAG is not serialized in the metadata DB yet.</p>")
        return page("attune workflow", "".join(parts))
    if info.load_error is not None:
        parts.append(
            "<div class='banner' data-testid='attune-load-error'>This DAG stands in for an attune workflow "
            "file that failed to load; fix the file and the real DAG replaces it at the next parse.</div>"
        )
        parts.append(f"<div class='card'><pre style='padding:8px 12px'>{e(info.load_error)}</pre></div>")
    elif info.description:
        parts.append(f"<p>{e(info.description)}</p>")
    if info.params:
        parts.append(f"<h2>params ({len(info.params)})</h2>")
        rows = [
            "<tr>"
            f"<td class='key'>{e(p.name)}</td><td>{e(p.type)}</td><td>{'yes' if p.required else ''}</td>"
            f"<td><code>{e(p.default)}</code></td><td>{e(p.description)}</td>"
            f"<td><pre>{e(p.constraints)}</pre></td>"
            "</tr>"
            for p in info.params
        ]
        parts.append(
            table(["name", "type", "required", "default", "description", "constraints"], rows, "attune-params")
        )
    if info.attune_tasks:
        parts.append(f"<h2>attune tasks ({len(info.attune_tasks)})</h2>")
        parts.append(_attune_tasks(info))
    if info.tasks:
        parts.append(f"<h2>compiled Airflow tasks ({len(info.tasks)})</h2>")
        parts.append(_compiled_tasks(info))
    parts.append("<h2>attune source</h2>")
    if info.source_note:
        parts.append(f"<p class='muted'>{e(info.source_note)}</p>")
    for source in info.sources:
        parts.append(f"<h2><code>{e(source.path)}</code></h2>{source_html(source)}")
    return page("attune workflow", "".join(parts))


def _attune_tasks(info: WorkflowInfo) -> str:
    rows = []
    for task in info.attune_tasks:
        items = ""
        if task.with_items is not None:
            items = f"<code>{e(task.with_items)}</code><div class='muted'>label: {e(task.label_rule)}</div>"
        transitions = []
        for t in task.transitions:
            target = ", ".join(t["do"]) or "(no task started)"
            extra = f" <span class='muted'>publish {e(', '.join(t['publish']))}</span>" if t["publish"] else ""
            label = f" <span class='badge'>{e(t['label'])}</span>" if t.get("label") else ""
            transitions.append(f"<div><code>{e(t['when'])}</code> → {e(target)}{label}{extra}</div>")
        rows.append(
            f"<tr><td class='key'>{e(task.name)}</td><td><code>{e(task.action)}</code></td>"
            f"<td>{items}</td><td>{''.join(transitions)}</td></tr>"
        )
    return table(["task", "action", "with_items", "transitions (when → do)"], rows, "attune-transitions")


def _compiled_tasks(info: WorkflowInfo) -> str:
    rows = []
    for task in info.tasks:
        mapped = ""
        if task["mapped"]:
            mapped = "mapped"
            if task.get("map_index_template"):  # the runtime's rule, not its Jinja plumbing
                mapped += f"<div class='muted'>label: {e(LABEL_RULE)}</div>"
        rows.append(
            "<tr>"
            f"<td class='key'>{e(task['task_id'])}</td><td>{e(task['group'] or '')}</td>"
            f"<td>{e(task['operator'])}</td><td>{e(task['trigger_rule'])}</td><td>{mapped}</td>"
            f"<td>{e(', '.join(task['upstream']))}</td><td>{e(task['retries'])}</td>"
            "</tr>"
        )
    head = ["task id", "group (attune task)", "operator", "trigger rule", "mapping", "upstream", "retries"]
    return table(head, rows, "attune-tasks")


def source_html(source: SourceFile) -> str:
    """The file with line numbers; error lines highlighted with their problem underneath."""
    out = []
    first, last = source.highlight or (0, -1)
    for number, line in enumerate(source.text.rstrip("\n").split("\n"), start=1):
        anchor = f" id='task-{e(source.task_starts[number])}'" if number in source.task_starts else ""
        if first <= number <= last:
            out.append(f"<span class='l hl' data-line='{number}'{anchor}>{e(line) or ' '}</span>")
        elif number in source.error_lines:
            out.append(f"<span class='l bad' data-line='{number}'>{e(line) or ' '}</span>")
            out.append(f"<span class='why' data-testid='attune-error-line'>↑ line {number}, "
                       f"{e(source.error_lines[number])}</span>")
        else:
            out.append(f"<span class='l'{anchor}>{e(line) or ' '}</span>")
    return f"<div class='card'><pre class='src' data-testid='attune-source'>{''.join(out)}</pre></div>"
