"""``attune-airflow render``: the compiled DAG as Airflow sees it, or one task's rendered input.

The DAG part is read off the real ``airflow.sdk.DAG`` the compiler returns (not re-derived from
the YAML), so what it prints is what the scheduler will run.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from attune_provider.cli import environment
from attune_provider.cli.errors import CliError
from attune_provider.cli.workflows import apply_defaults, load_workflow, parse_params
from attune_provider.compiler.describe import describe_dag
from attune_provider.runtime.values import plain
from attune_provider.spec.model import WorkflowSpec


def format_dag_text(info: Mapping[str, Any]) -> str:
    lines = [f"DAG {info['dag_id']}"]
    if info.get("description"):
        lines.append(f"  description: {info['description']}")
    lines.append(f"  schedule: {info.get('schedule')}")
    if info.get("tags"):
        lines.append(f"  tags: {', '.join(info['tags'])}")
    lines.append("params:" if info["params"] else "params: (none)")
    for name, param in info["params"].items():
        rest = ", ".join(f"{k}={json.dumps(v)}" for k, v in param.items() if k != "default")
        lines.append(f"  {name} = {json.dumps(param['default'])}" + (f"  ({rest})" if rest else ""))
    lines.append(f"tasks ({len(info['tasks'])}), leaves: {', '.join(info['leaves'])}")
    for task in info["tasks"]:
        flags = [task["operator"], f"trigger={task['trigger_rule']}"]
        if task["mapped"]:
            flags.append(f"mapped over {json.dumps(task.get('expand'))}")
            if task.get("map_index_template"):
                flags.append(f"label={task['map_index_template']!r}")
        if task.get("max_active_tis_per_dagrun"):
            flags.append(f"max_active={task['max_active_tis_per_dagrun']}")
        if task["retries"]:
            flags.append(f"retries={task['retries']}")
        if task.get("execution_timeout_s"):
            flags.append(f"timeout={task['execution_timeout_s']:g}s")
        lines.append(f"  {task['task_id']}")
        lines.append(f"      {'; '.join(flags)}")
        if task["upstream"]:
            lines.append(f"      after: {', '.join(task['upstream'])}")
    return "\n".join(lines)


def _task_references(value: Any) -> list[str]:
    """Task names a (nested) template value reads results of."""
    from attune_provider.expressions import referenced_tasks

    found: set[str] = set()
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            try:
                found |= referenced_tasks(current)
            except Exception:
                continue
        elif isinstance(current, Mapping):
            stack.extend(current.values())
        elif isinstance(current, list | tuple):
            stack.extend(current)
    return sorted(found)


def render_task_input(
    workflow: WorkflowSpec, task_name: str, params: Mapping[str, Any], item_index: int | None
) -> dict[str, Any]:
    """What the task's action would receive for these parameters (and item), before any run.

    Built from the runtime's own functions (``runtime.inputs`` for with_items and input,
    ``runtime.items`` for batching), so the preview and a run cannot disagree: ``vars`` seed
    the context literally (attune does not render them), ``with_items: null`` is no item.
    """
    from attune_provider.expressions import WorkflowContext
    from attune_provider.runtime.inputs import render_input, render_items
    from attune_provider.runtime.items import make_units
    from attune_provider.runtime.plan import build_plan

    try:
        task = build_plan(workflow, {}).tasks[task_name]
    except KeyError:
        raise CliError(
            f"{workflow.ref} has no task {task_name!r} (tasks: {', '.join(workflow.task_names)})"
        ) from None
    spec = task.spec
    system = {"dag_id": workflow.ref, "run_id": "manual__render", "try_number": 1}
    ctx = WorkflowContext(parameters=params, variables=dict(workflow.vars), results={}, system=system)
    out: dict[str, Any] = {"task": task.name, "action": spec.action, "parameters": dict(params)}
    try:
        if task.mapped:
            items = plain(render_items(task, ctx))
            units = make_units(items, spec.batch_size)
            if not units:
                needed = _task_references(spec.with_items)
                if needed:
                    raise CliError(
                        f"with_items of task {task.name!r} needs the result of task(s) {', '.join(needed)}, "
                        "which exists only during a run; pass the list as a parameter (-p) if the workflow "
                        "accepts one, or inspect a past run's values with `attune-airflow show`"
                    )
                raise CliError(f"task {task.name!r}: with_items renders to an empty list (nothing runs)")
            index = 0 if item_index is None else item_index
            if not -len(units) <= index < len(units):
                raise CliError(f"--item {index} is out of range: {len(units)} instance(s)")
            index %= len(units)
            out.update(items=len(items), instances=len(units), index=index, item=units[index])
            ctx = ctx.with_item(units[index], index)
        elif item_index is not None:
            raise CliError(f"task {task.name!r} has no with_items; --item does not apply")
        out["input"] = render_input(task, ctx)
        needed = _task_references(spec.input if spec.input is not None else {})
        if needed:
            out["note"] = (
                f"references to task result(s) {', '.join(needed)} render as null here: "
                "they exist only during a run"
            )
    except CliError as exc:
        raise CliError(_masker(workflow, params).redact(str(exc))) from None
    except Exception as exc:
        message = _masker(workflow, params).redact(str(exc))
        if "task" in message or "result" in message:
            message += " (results of other tasks do not exist before a run; render shows static input)"
        raise CliError(f"cannot render task {task.name!r}: {message}") from None
    return masked_preview(workflow, spec, params, out)


def _masker(workflow: WorkflowSpec, params: Mapping[str, Any]) -> Any:
    """A masker for the workflow's ``secret: true`` parameters (given values and defaults)."""
    from attune_provider.actions.masking import SecretMasker, secret_strings

    values = [*secret_strings(workflow.parameters, params)]
    values += secret_strings(
        workflow.parameters, {n: p.default for n, p in workflow.parameters.items() if p.has_default}
    )
    return SecretMasker(values)


def masked_preview(workflow: WorkflowSpec, spec: Any, params: Mapping[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """``out`` as it may be printed: secret texts replaced by ``***``, and an input key whose
    template reads a secret (``parameters.<secret>``, ``keystore``) masked whole."""
    from attune_provider.runtime.secret_values import secret_parameter_names

    masked = _masker(workflow, params).redact_value(out)
    secret_names = secret_parameter_names(workflow.parameters)
    raw_input = spec.input if isinstance(spec.input, Mapping) else {}
    if isinstance(masked.get("input"), dict):
        _mask_read_secrets(masked["input"], raw_input, secret_names)
    if isinstance(masked.get("parameters"), dict):
        for name in secret_names & set(masked["parameters"]):
            masked["parameters"][name] = REDACTED
    return masked


REDACTED = "***"


def _mask_read_secrets(rendered: dict[str, Any], raw: Mapping[str, Any], secret_names: frozenset[str]) -> None:
    """Mask, in place, each rendered value whose template names a secret (mappings key by key)."""
    from attune_provider.runtime.secret_values import reads_secret

    for key, template in raw.items():
        if key not in rendered:
            continue
        if isinstance(template, Mapping) and isinstance(rendered[key], dict):
            _mask_read_secrets(rendered[key], template, secret_names)
        elif reads_secret(template, secret_names, ()):
            rendered[key] = REDACTED


def run(args: argparse.Namespace) -> int:
    workflow = load_workflow(args.workflow, args.ref)
    params = apply_defaults(workflow, parse_params(args.params, args.params_file))
    if args.task:
        result = render_task_input(workflow, args.task, params, args.item)
        if args.format == "json":
            print(json.dumps(result, indent=2, default=str))
        else:
            where = f" item {result['index']} of {result['items']}" if "index" in result else ""
            print(f"task {result['task']} ({result['action']}){where}")
            if "item" in result:
                print(f"item: {json.dumps(result['item'], default=str)}")
            print("input:")
            print(json.dumps(result["input"], indent=2, default=str))
            if "note" in result:
                print(f"note: {result['note']}")
        return 0
    if args.item is not None:
        raise CliError("--item needs --task")
    environment.prepare(args.airflow_home)
    from attune_provider.cli.dags import compile_dag

    info = describe_dag(compile_dag(workflow))
    if args.format == "json":
        print(json.dumps(info, indent=2, default=str))
    else:
        print(format_dag_text(info))
    return 0
