"""The DAG's ``doc_md``: what the workflow is, where it came from, and its task table."""

from __future__ import annotations

from attune_provider.spec.model import WorkflowSpec


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def workflow_doc(spec: WorkflowSpec) -> str:
    lines = [f"# {spec.label or spec.ref}", ""]
    if spec.description:
        lines += [spec.description, ""]
    lines.append(f"- attune workflow: `{spec.ref}`" + (f" (version {spec.version})" if spec.version else ""))
    if spec.source_file:
        lines.append(f"- source: `{spec.source_file}`")
    if spec.action_file:
        lines.append(f"- action metadata: `{spec.action_file}`")
    timer = spec.airflow.timer if spec.airflow else None
    if spec.rule_file and timer:
        lines.append(
            f"- attune rule: `{spec.rule_file}` ({timer.trigger_ref}; its action_params are the params' defaults)"
        )
    if spec.cancellation_policy:
        lines.append(
            f"- cancellation_policy `{spec.cancellation_policy}`: "
            + (
                "marking the run failed stops running tasks (Airflow's run cancellation)"
                if spec.cancellation_policy == "cancel_running"
                else "let running tasks finish: mark the run failed only after they end, "
                "or set remaining task instances to skipped"
            )
        )
    lines += ["", "| task | action | with_items | next |", "|---|---|---|---|"]
    for task in spec.tasks:
        targets = ", ".join(task.targets)
        items = task.with_items if task.with_items is not None else ""
        lines.append(f"| {_cell(task.name)} | {_cell(task.action)} | {_cell(items)} | {_cell(targets)} |")
    if spec.back_edges:
        lines += [
            "",
            "Dropped back edges (a task runs at most once per run): "
            + ", ".join(f"{a} -> {b}" for a, b in spec.back_edges),
        ]
    if spec.output_map:
        lines += ["", "Output: " + ", ".join(f"`{key}`" for key in spec.output_map)]
    return "\n".join(lines) + "\n"
