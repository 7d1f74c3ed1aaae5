"""The facts of a compiled DAG that decide how it runs, as plain data.

Read off the real ``airflow.sdk.DAG`` (or the serialized DAG the API server holds), not
re-derived from the YAML, so what ``attune-airflow render`` prints and the UI's workflow view
shows is what the scheduler runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def describe_task(task: Any) -> dict[str, Any]:
    """The facts of one Airflow task that decide how it runs."""
    group = task.task_group
    mapped = bool(getattr(task, "is_mapped", False)) or type(task).__name__ == "MappedOperator"
    info: dict[str, Any] = {
        "task_id": task.task_id,
        "group": group.group_id if group is not None and group.group_id else None,
        "operator": getattr(task, "operator_name", None) or type(task).__name__,
        "trigger_rule": str(getattr(task.trigger_rule, "value", task.trigger_rule)),
        "upstream": sorted(task.upstream_task_ids),
        "downstream": sorted(task.downstream_task_ids),
        "mapped": mapped,
        "retries": getattr(task, "retries", 0),
    }
    if mapped:
        expand = getattr(task, "expand_input", None)
        value = getattr(expand, "value", None)
        if isinstance(value, Mapping):
            info["expand"] = {
                key: (f"XComArg({arg.operator.task_id})" if hasattr(arg, "operator") else _jsonable(arg))
                for key, arg in value.items()
            }
        else:
            info["expand"] = str(value) if value is not None else None
        template = getattr(task, "map_index_template", None)
        if template:
            info["map_index_template"] = template
    limit = getattr(task, "max_active_tis_per_dagrun", None)
    if limit:
        info["max_active_tis_per_dagrun"] = limit
    timeout = getattr(task, "execution_timeout", None)
    if timeout:
        info["execution_timeout_s"] = timeout.total_seconds()
    delay = getattr(task, "retry_delay", None)
    if info["retries"] and delay is not None:
        info["retry_delay_s"] = delay.total_seconds() if hasattr(delay, "total_seconds") else delay
        info["retry_exponential_backoff"] = getattr(task, "retry_exponential_backoff", False)
    for attr in ("pool", "queue"):
        value = getattr(task, attr, None)
        if value and value not in ("default_pool", "default"):
            info[attr] = value
    return info


def describe_params(dag: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, param in dag.params.items() if hasattr(dag.params, "items") else []:
        raw = dag.params.get_param(name) if hasattr(dag.params, "get_param") else param
        value = getattr(raw, "value", param)
        schema = getattr(raw, "schema", {}) or {}
        if type(value).__name__ == "ArgNotSet":  # no default: the trigger form requires a value
            entry: dict[str, Any] = {"default": None, "required": True}
        else:
            entry = {"default": _jsonable(value) if value is not None else None}
        entry.update({k: _jsonable(v) for k, v in schema.items()})
        out[name] = entry
    return out


def _schedule_text(dag: Any) -> str | None:
    timetable = getattr(dag, "timetable", None)
    text = getattr(timetable, "summary", None) or getattr(timetable, "description", None)
    if text:
        return str(text)
    schedule = getattr(dag, "schedule", None)
    return None if schedule is None else str(schedule)


def describe_dag(dag: Any) -> dict[str, Any]:
    tasks = [describe_task(task) for task in dag.tasks]
    tasks.sort(key=lambda t: (t["group"] or "", t["task_id"]))
    return {
        "dag_id": dag.dag_id,
        "description": dag.description,
        "schedule": _schedule_text(dag),
        "tags": sorted(dag.tags or []),
        "params": describe_params(dag),
        "groups": sorted({t["group"] for t in tasks if t["group"]}),
        "leaves": sorted(t["task_id"] for t in tasks if not t["downstream"]),
        "tasks": tasks,
    }
