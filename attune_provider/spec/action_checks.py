"""Load-time checks of pack actions that would otherwise fail only when a task runs.

attune's pack loader accepts an action with no ``runner_type`` (it runs it with the shell
runner), so that is a warning; everything this provider cannot run -- an unknown runner, a
runtime whose binary fails attune's verification command on this host, an entry point that is missing, absolute or climbs out of ``actions/``, a parameter default of the
wrong type, a literal task input of the wrong type, a missing required input -- is an error
located at the YAML value, found by ``validate`` and shown by the DAG processor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from attune_provider.spec.codes import ACTION_INPUT, ENTRY_POINT, RUNTIME_UNAVAILABLE, UNSUPPORTED_RUNNER
from attune_provider.spec.errors import SpecError
from attune_provider.spec.model import ActionSpec, SpecWarning
from attune_provider.spec.report import Report, is_template, type_name
from attune_provider.spec.yaml_source import YamlDocument


def value_matches_type(value: Any, declared: Any) -> bool:
    """Whether ``value`` fits a JSON-schema ``type`` (a name or a list of names; None = any)."""
    if declared is None:
        return True
    if isinstance(declared, list):
        return any(value_matches_type(value, one) for one in declared)
    if declared == "string":
        return isinstance(value, str)
    if declared == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if declared == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if declared == "boolean":
        return isinstance(value, bool)
    if declared == "array":
        return isinstance(value, list)
    if declared == "object":
        return isinstance(value, dict)
    if declared == "null":
        return value is None
    return True  # unknown type names are reported by the parameter parser


def shown_type(value: Any) -> str:
    """``type_name`` that explains YAML's unquoted dates."""
    if isinstance(value, (dt.date, dt.datetime)):
        return "date (YAML reads an unquoted date as a date)"
    return type_name(value)


def check_action(doc: YamlDocument) -> tuple[list[SpecError], list[SpecWarning]]:
    """Runner and entry point of a non-workflow action file, read from its YAML.

    Runs even when the metadata has other errors, so one ``validate`` shows every problem; when
    the metadata is otherwise fine the action stays loaded (running it fails clearly).
    """
    report = Report(doc)
    data = doc.data
    if not isinstance(data, dict) or "workflow_file" in data:
        return [], []
    ref = data.get("ref") or Path(doc.file).stem
    runner = data.get("runner_type")
    if runner is None:
        report.warn((), f"action '{ref}' has no runner_type; attune runs it with the shell runner", "default-runner")
    elif isinstance(runner, str):
        _check_runner(report, ref, runner)
    entry = data.get("entry_point")
    if entry is None or isinstance(entry, str):
        _check_entry_point(report, ref, entry, Path(doc.file).parent)
    return report.errors, report.warnings


def _check_runner(report: Report, ref: str, runner: str) -> None:
    """An attune runtime (runtimes.py) whose binary passes attune's verification on this host."""
    from attune_provider.actions.runtimes import ALIASES, runtime_for, unavailable_reason

    runtime = runtime_for(runner)
    if runtime is None:
        report.error(
            ("runner_type",),
            f"action '{ref}': runner_type {runner!r} cannot run here",
            "use one of attune's runtimes " + ", ".join(ALIASES) + " (or workflow_file for a workflow action)",
            code=UNSUPPORTED_RUNNER,
        )
        return
    reason = unavailable_reason(runtime)
    if reason is not None:
        report.error(
            ("runner_type",),
            f"action '{ref}': runner_type {runner!r} needs the {runtime.name} runtime, which is not "
            f"available on this host: {reason}",
            f"install it on every worker (attune's check is in {runtime.source}), or run this pack elsewhere",
            code=RUNTIME_UNAVAILABLE,
        )


def _check_entry_point(report: Report, ref: str, entry: str | None, actions_dir: Path) -> None:
    hint = "entry_point is a script path relative to the pack's actions/ folder, e.g. `entry_point: deploy.sh`"
    if not entry:
        report.error((), f"action '{ref}' has no entry_point", hint, code=ENTRY_POINT)
        return
    if entry.startswith(("/", "\\")) or (len(entry) > 1 and entry[1] == ":"):
        report.error(("entry_point",), f"entry_point {entry!r} must be relative to actions/, not absolute", hint, code=ENTRY_POINT)
        return
    if ".." in PurePosixPath(entry.replace("\\", "/")).parts:
        report.error(("entry_point",), f"entry_point {entry!r} must not contain '..'", hint, code=ENTRY_POINT)
        return
    root = actions_dir.resolve()
    target = (actions_dir / entry).resolve()
    if not target.is_relative_to(root):
        report.error(("entry_point",), f"entry_point {entry!r} leads out of actions/ (symbolic link)", hint, code=ENTRY_POINT)
    elif not target.is_file():
        report.error(("entry_point",), f"entry_point {entry!r} not found (looked for {target})", hint, code=ENTRY_POINT)


def input_problems(task: str, given: Mapping[str, Any], action: ActionSpec) -> list[tuple[str | None, str, str | None]]:
    """(parameter or None for a missing one, message, hint) for each literal input ``action`` rejects."""
    problems: list[tuple[str | None, str, str | None]] = []
    for param, spec in action.parameters.items():
        value = given.get(param)
        if value is None:
            if spec.required and not spec.has_default:
                problems.append((
                    None,
                    f"task '{task}': input '{param}' is required by action '{action.ref}' and not given",
                    f"add `{param}: ...` under the task's input",
                ))  # fmt: skip
            continue
        declared = spec.schema.get("type") if spec.schema else spec.type
        if not _holds_template(value) and not value_matches_type(value, declared):
            problems.append((
                param,
                f"task '{task}': input '{param}' is {shown_type(value)} {value!r}, "
                f"but action '{action.ref}' declares {declared}",
                None,
            ))  # fmt: skip
    return problems


def check_task_inputs(report: Report, raw_tasks: Any, actions: Mapping[str, ActionSpec]) -> None:
    """Literal inputs of tasks calling ``actions`` (the workflow's own pack) against their schemas."""
    if not isinstance(raw_tasks, list):
        return
    for index, raw in enumerate(raw_tasks):
        if not isinstance(raw, dict):
            continue
        ref = raw.get("action")
        action = actions.get(ref) if isinstance(ref, str) else None
        given = raw.get("input")
        if action is None or action.workflow_file is not None or not isinstance(given, dict):
            continue
        for param, message, hint in input_problems(str(raw.get("name")), given, action):
            if param is None:
                report.error(("tasks", index, "input"), message, hint, at_key=True, code=ACTION_INPUT)
            else:
                report.error(("tasks", index, "input", param), message, hint, code=ACTION_INPUT)


def _holds_template(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_holds_template(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_template(v) for v in value)
    return is_template(value)

