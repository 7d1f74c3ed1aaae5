"""A workflow document (standalone file or action-linked graph) -> ``WorkflowSpec``.

Validates the workflow-level fields (reference 1.3, 1.6, 2), the task list (via ``tasks``),
``do`` targets (reference 4.4), templates (reference 10.6) and the graph (reference 5.6), collecting every
problem of the file before raising one ``LoadError``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

from attune_provider.spec.action_checks import check_task_inputs
from attune_provider.spec.airflow_block import parse_airflow_block
from attune_provider.spec.codes import ATTUNE_REJECTS, UNKNOWN_TASK, WAIT_FOR_IN_CYCLE
from attune_provider.spec.errors import LoadError, SpecError
from attune_provider.spec.graph import analyse_graph
from attune_provider.spec.model import EMPTY, ActionSpec, PackSpec, SpecWarning, TaskSpec, WorkflowSpec
from attune_provider.spec.parameters import parse_parameters
from attune_provider.spec.report import Report, tags_field, text_field, type_name, version_field
from attune_provider.spec.tasks import TaskParser
from attune_provider.spec.templates import TemplateChecker
from attune_provider.spec.yaml_source import YamlDocument, YamlPath

WORKFLOW_KEYS = frozenset(
    {
        "ref", "label", "description", "version", "parameters", "output", "vars", "tasks",
        "output_map", "tags", "cancellation_policy", "airflow",
    }
)  # fmt: skip
CANCELLATION_POLICIES = ("allow_finish", "cancel_running")
# Airflow's dag_id rule (KEY_REGEX, at most 250 characters)
_DAG_ID = re.compile(r"^[\w.-]{1,250}$")


def ref_from_filename(path: Path) -> str:
    """``deploy_app.workflow.yaml`` -> ``deploy_app``: the stem without ``.workflow``."""
    name = path.name
    for suffix in (".yaml", ".yml"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(".workflow"):
        name = name[: -len(".workflow")]
    return name


def content_hash(*sources: bytes) -> str:
    """sha256 over the graph bytes then the action file bytes (a cache key for compiled DAGs)."""
    digest = hashlib.sha256()
    for raw in sources:
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()


def build_workflow(
    doc: YamlDocument,
    *,
    action: ActionSpec | None = None,
    action_doc: YamlDocument | None = None,
    default_ref: str | None = None,
    pack: PackSpec | None = None,
) -> WorkflowSpec:
    """Validate ``doc`` and build its ``WorkflowSpec``; raises ``LoadError`` listing every problem.

    For an action-linked workflow (``action`` given) the action file's ``ref``, ``label``,
    ``description``, ``parameters``, ``output`` and ``tags`` win over the graph file's.
    """
    report = Report(doc)
    data = doc.data
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type_name(data)}"
        report.error((), f"a workflow file must be a mapping with 'tasks', but this file is {what}")
        raise LoadError(report.errors)
    report.unknown_keys((), data, WORKFLOW_KEYS, "workflow")
    templates = TemplateChecker(report)

    ref = _ref(report, data, action, default_ref, Path(doc.file))
    label = text_field(report, data, "label")
    description = text_field(report, data, "description")
    version = version_field(report, data)
    parameters = parse_parameters(report, ("parameters",), data.get("parameters"))
    output = _mapping(report, data, "output")
    tags = tags_field(report, data)
    if action is not None:
        label = action.label or label
        description = action.description or description
        parameters = dict(action.parameters) or parameters
        output = dict(action.output) or output
        tags = action.tags or tags
    variables = _vars(report, data.get("vars"))
    output_map = _output_map(report, templates, data)
    policy = data.get("cancellation_policy")
    if policy is not None and policy not in CANCELLATION_POLICIES:
        report.error(
            ("cancellation_policy",),
            f"unknown cancellation_policy {policy!r}",
            "use one of " + ", ".join(CANCELLATION_POLICIES),
        )
    airflow = parse_airflow_block(report, ("airflow",), data.get("airflow"))

    parser = TaskParser(report, templates)
    tasks = _tasks(report, parser, data)
    names = _written_task_names(data.get("tasks")) or [task.name for task in tasks]
    _check_targets(report, parser, names)  # a task with its own error is still a known target
    published = {name for task in tasks for transition in task.next for name, _raw in transition.publish}
    # a graph file without `parameters` may get them from an action file not loaded here: unchecked
    # ... nor one whose `parameters` did not parse (its own error says so; every reference would warn)
    parsed = action is not None or isinstance(data.get("parameters"), dict)
    declared = set(parameters or {}) if parsed else None
    templates.check(names, parameter_names=declared, variable_names=set(variables or {}) | published)
    if pack is not None:
        check_task_inputs(report, data.get("tasks"), pack.actions)

    back_edges: tuple[tuple[str, str], ...] = ()
    unreachable: tuple[str, ...] = ()
    if not report.errors:
        back_edges, unreachable = _graph_checks(report, tasks)
    warnings = (*(action.warnings if action is not None else ()), *report.warnings)
    if report.errors:
        raise LoadError(report.errors, warnings)
    return WorkflowSpec(
        ref=ref,
        label=label,
        description=description,
        version=version,
        parameters=MappingProxyType(parameters) if parameters else EMPTY,
        output=MappingProxyType(output) if output else EMPTY,
        vars=MappingProxyType(variables) if variables else EMPTY,
        tasks=tuple(tasks),
        output_map=MappingProxyType(output_map) if output_map is not None else None,
        tags=tags,
        cancellation_policy=policy,
        airflow=airflow,
        source_file=Path(doc.file),
        action_file=action.source_file if action is not None else None,
        pack=pack,
        warnings=warnings,
        back_edges=back_edges,
        unreachable_tasks=unreachable,
        content_hash=content_hash(doc.raw, action_doc.raw if action_doc is not None else b""),
    )


def _ref(
    report: Report, data: dict[Any, Any], action: ActionSpec | None, default: str | None, file: Path
) -> str:
    if action is not None:
        return action.ref
    ref = data.get("ref")
    if ref is None:
        return default or ref_from_filename(file)
    if not isinstance(ref, str) or not _DAG_ID.match(ref):
        report.error(
            ("ref",),
            f"workflow ref {ref!r} cannot be an Airflow DAG id",
            "use letters, digits, '_', '.' and '-' only, e.g. `ref: mypack.deploy`",
        )
        return str(ref)
    return ref


def _mapping(report: Report, data: dict[Any, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    report.error((key,), f"'{key}' must be a mapping, got {type_name(value)}")
    return {}


def _vars(report: Report, value: Any) -> dict[str, Any]:
    """``vars`` is a mapping (reference 1.6).

    Leniency (documented): attune's docs write ``vars`` as a list of single-key mappings
    (``- notified: false``); that list is accepted as the equivalent mapping with a warning.
    Any other list item is an error.
    """
    if value is None:
        return {}
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                report.error(("vars", key), f"variable name {key!r} in 'vars' must be text", at_key=True)
        return value
    if not isinstance(value, list):
        report.error(("vars",), f"'vars' must be a mapping of variable name to initial value, got {type_name(value)}",
                     "e.g. `vars: {attempts: 0}`")  # fmt: skip
        return {}
    result: dict[str, Any] = {}
    ok = True
    for index, item in enumerate(value):
        if isinstance(item, dict) and len(item) == 1:
            ((key, val),) = item.items()
            if not isinstance(key, str):
                report.error(("vars", index), f"variable name {key!r} in 'vars' must be text")
                ok = False
            elif key in result:
                report.error(("vars", index), f"variable '{key}' is defined twice in 'vars'")
                ok = False
            result[key] = val
        else:
            report.error(
                ("vars", index),
                f"'vars' item #{index + 1} must be a single-key mapping like `- name: value`, got {type_name(item)}",
                "better: write `vars` as a mapping, e.g. `vars: {notified: false}`",
            )
            ok = False
    if ok:
        report.warn(
            ("vars",),
            "'vars' is a list of single-key mappings; accepted as a mapping (leniency), "
            "but attune's parser rejects it: write `vars:` as a mapping",
            "vars-list",
        )
    return result


def _output_map(report: Report, templates: TemplateChecker, data: dict[Any, Any]) -> dict[str, Any] | None:
    value = data.get("output_map")
    if value is None:
        return None
    if not isinstance(value, dict):
        report.error(
            ("output_map",), f"'output_map' must be a mapping of result key to value, got {type_name(value)}"
        )
        return None
    for key, item in value.items():
        if not isinstance(key, str):
            report.error(("output_map", key), f"output_map key {key!r} must be text", at_key=True)
        elif not isinstance(item, str):
            # attune: `output_map: Option<HashMap<String, String>>` (parser.rs); any other value
            # fails its parser, so it is a located error here too
            shown = json.dumps(item) if isinstance(item, (int, float, bool)) or item is None else None
            report.error(
                ("output_map", key),
                f"output_map value of {key!r} must be text (a template or a string), got {type_name(item)}",
                f"quote it: `{key}: '{shown}'`" if shown else f'render it: `{key}: "{{{{ ... }}}}"`',
                code=ATTUNE_REJECTS,
            )
    templates.collect(("output_map",), value)
    return value


def _tasks(report: Report, parser: TaskParser, data: dict[Any, Any]) -> list[TaskSpec]:
    value = data.get("tasks")
    if isinstance(value, dict):
        first = next(iter(value), "name")
        report.error(
            ("tasks",),
            "'tasks' must be a list of tasks, got a mapping of task name to task",
            f"write each task as a list item with a name: `- name: {first}` (attune rejects the mapping form too)",
        )
        return []
    if value is None or value == []:
        where: YamlPath = ("tasks",) if "tasks" in data else ()
        report.error(
            where, "the workflow has no tasks", "add a `tasks:` list with at least one `- name: ...` item"
        )
        return []
    if not isinstance(value, list):
        report.error(("tasks",), f"'tasks' must be a list of tasks, got {type_name(value)}")
        return []
    tasks: list[TaskSpec] = []
    first_seen: dict[str, int] = {}
    for index, raw in enumerate(value):
        path = ("tasks", index)
        task = parser.parse(path, raw, index)
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            name = raw["name"]
            if name in first_seen:
                report.error(
                    (*path, "name"),
                    f"duplicate task name '{name}' (first defined at line {first_seen[name]})",
                    "task names must be unique within a workflow",
                )
                continue
            first_seen[name] = report.loc(path).line
        if task is not None:
            tasks.append(task)
    return tasks


def _written_task_names(raw_tasks: Any) -> list[str]:
    """Every task name as written, including tasks that failed to parse (their own error is
    reported once; a transition to them is not a second, misleading "unknown task")."""
    if not isinstance(raw_tasks, list):
        return []
    names = [raw["name"] for raw in raw_tasks if isinstance(raw, dict) and isinstance(raw.get("name"), str)]
    return list(dict.fromkeys(names))


def _check_targets(report: Report, parser: TaskParser, names: list[str]) -> None:
    """reference 4.4: every ``do`` target must name a task of this workflow."""
    known = set(names)
    for path, source, target in parser.do_refs:
        if target in known:
            continue
        close = difflib.get_close_matches(target, names, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "known tasks: " + ", ".join(names)
        report.error(path, f"task '{source}' transitions to unknown task '{target}'", hint, code=UNKNOWN_TASK)


def _graph_checks(
    report: Report, tasks: list[TaskSpec]
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    findings = analyse_graph(tasks)
    for edge in findings.back_edges:
        location = edge.transition.location
        report.warnings.append(
            SpecWarning(
                location or report.loc(()),
                f"transition from task '{edge.source}' to task '{edge.target}' closes a cycle; attune runs a task "
                f"at most once, so this edge never starts anything and is dropped (reference 5.6)",
                "back-edge",
            )
        )
    by_name = {task.name: task for task in tasks}
    for name in findings.unreachable:
        report.warnings.append(
            SpecWarning(
                by_name[name].location or report.loc(()),
                f"task '{name}' can never start: every transition into it comes from a cycle "
                "that no entry task reaches",
                "unreachable",
            )
        )
    dropped = {(edge.source, edge.target) for edge in findings.back_edges}
    inbound: dict[str, set[str]] = {}
    for task in tasks:
        for target in task.targets:
            if (task.name, target) not in dropped:
                inbound.setdefault(target, set()).add(task.name)
    for task in tasks:
        count = len(inbound.get(task.name, ()))
        if task.join is not None and task.join > count:
            report.warnings.append(
                SpecWarning(
                    task.location or report.loc(()),
                    f"task '{task.name}' has join: {task.join} but only {count} task(s) transition to it; "
                    "it can never start",
                    "join-unsatisfiable",
                )
            )
    for name in findings.wait_for_in_cycle:
        task = by_name[name]
        location = task.wait_for.location if task.wait_for and task.wait_for.location else task.location
        report.errors.append(
            SpecError(
                location or report.loc(()),
                f"task '{name}' waits for an inquiry (wait_for) but sits on a cycle",
                "an inquiry prerequisite must not be part of a cycle (attune rejects this too); "
                "break the cycle or move wait_for to a task outside it",
                WAIT_FOR_IN_CYCLE,
            )
        )
    return tuple((edge.source, edge.target) for edge in findings.back_edges), findings.unreachable
