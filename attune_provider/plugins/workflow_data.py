"""What the Attune workflow view shows, read from the serialized DAG and the attune sources.

No HTML here. Source files are found by loading what the DAG's loader loads (never from a
request parameter); a load-error placeholder DAG names its broken file in its task's error text,
which is read only when it lies under the configured workflow/pack folders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: how a mapped instance is labelled in the grid (runtime/items.py ``item_label``, reference 6.4)
LABEL_RULE = "<index>: the item's name, id, key, title or label (else the item, 50 chars); batches: items <a>-<b>"
_PROBLEM_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): error: (?P<message>.*)$")
_HEADLINE_RE = re.compile(r"^attune workflow file (?P<file>.+): \d+ problems?$")


@dataclass
class SourceFile:
    path: str
    text: str
    error_lines: dict[int, str] = field(default_factory=dict)  # line -> problem text
    task_starts: dict[int, str] = field(default_factory=dict)  # line -> attune task starting there
    highlight: tuple[int, int] | None = None  # first and last line of the task asked for


@dataclass
class ParamRow:
    name: str
    type: str
    required: bool
    default: str  # JSON text, or "(secret)"
    description: str
    constraints: str  # enum, bounds, items, properties as short JSON


@dataclass
class TaskRow:
    """One attune task: its action, iteration and outgoing transitions."""

    name: str
    action: str
    with_items: str | None
    label_rule: str | None
    transitions: list[dict[str, Any]] = field(default_factory=list)  # {when, do, publish}


@dataclass
class WorkflowInfo:
    dag_id: str
    found: bool = False
    description: str | None = None
    tasks: list[dict[str, Any]] = field(default_factory=list)  # compiled Airflow tasks
    attune_tasks: list[TaskRow] = field(default_factory=list)
    params: list[ParamRow] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)
    source_note: str | None = None
    load_error: str | None = None  # the error text of a load-error placeholder DAG


def workflow_info(dag_id: str, task: str | None = None) -> WorkflowInfo:
    """The compiled task table, the attune tasks/params and the files they came from;
    ``task`` (an attune task name) marks that task's lines in the source."""
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.utils.session import create_session

    from attune_provider.compiler.describe import describe_dag

    info = WorkflowInfo(dag_id)
    with create_session() as session:
        dag = SerializedDagModel.get_dag(dag_id, session=session)
    if dag is None:
        return info
    info.found = True
    described = describe_dag(dag)
    info.description = described.get("description")
    info.tasks = described["tasks"]
    fileloc = getattr(dag, "fileloc", None)
    error_text = load_error_text(dag)
    if error_text is not None:
        info.load_error = error_text
        info.sources = broken_sources(error_text)
        if not info.sources:
            info.source_note = "the broken file is not readable under the configured workflow/pack folders"
        return info
    spec = load_workflow_spec(dag_id, fileloc)
    if spec is None:
        info.source_note = "no attune source found for this DAG (not compiled from attune YAML?)"
        info.params = [_param_row_from_dag(name, entry) for name, entry in described["params"].items()]
        return info
    info.params = [param_row(p) for p in spec.parameters.values()]
    info.attune_tasks = [task_row(t) for t in spec.tasks]
    secrets = [str(p.default) for p in spec.parameters.values() if p.secret and p.has_default and p.default]
    for file in dict.fromkeys(f for f in (spec.action_file, spec.source_file) if f is not None):
        source = SourceFile(str(file), _read(Path(file), secrets))
        mark_tasks(source, spec.tasks, task)
        info.sources.append(source)
    return info


def mark_tasks(source: SourceFile, tasks: Any, wanted: str | None) -> None:
    """Where each attune task starts in ``source``; the wanted task's block (its first line up to
    the line before the next task in the file, or the end) is highlighted."""
    path = Path(source.path).resolve()
    for task in tasks:
        where = task.location
        if where is not None and where.line and Path(where.file).resolve() == path:
            source.task_starts[where.line] = task.name
    if wanted is None:
        return
    starts = sorted(source.task_starts)
    lines = source.text.rstrip("\n").split("\n")
    last_line = len(lines)
    for i, line in enumerate(starts):
        if source.task_starts[line] == wanted:
            end = starts[i + 1] - 1 if i + 1 < len(starts) else last_line
            while end > line and not lines[end - 1].strip():
                end -= 1
            source.highlight = (line, end)


def _read(path: Path, secrets: list[str] = ()) -> str:  # type: ignore[assignment]
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(cannot read: {exc})"
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _short_json(value: Any, limit: int = 160) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def param_row(spec: Any) -> ParamRow:
    from attune_provider.compiler.params import nested_schema

    # the user's own schema (attune's flat style made plain), not the form's additions
    schema = nested_schema({k: v for k, v in spec.schema.items() if k != "default"})
    constraints = {k: v for k, v in schema.items() if k not in ("type", "description")}
    if spec.secret:
        default = "(secret)" if spec.has_default else ""
    else:
        default = _short_json(spec.default) if spec.has_default else ""
    kind = spec.type or (str(spec.schema.get("type")) if spec.schema.get("type") else "any")
    return ParamRow(
        name=spec.name,
        type=kind + (" (secret)" if spec.secret else ""),
        required=spec.required and not spec.has_default,
        default=default,
        description=spec.description or "",
        constraints=", ".join(f"{k}: {_short_json(v)}" for k, v in constraints.items()),
    )


def _param_row_from_dag(name: str, entry: dict[str, Any]) -> ParamRow:
    secret = entry.get("format") == "password"
    default = entry.get("default")
    return ParamRow(
        name=name,
        type=str(entry.get("type") or "any"),
        required=bool(entry.get("required")),
        default="(secret)" if secret and default is not None else ("" if default is None else _short_json(default)),
        description=str(entry.get("description") or ""),
        constraints="",
    )


def task_row(task: Any) -> TaskRow:
    items = None
    if task.with_items is not None:
        items = task.with_items if isinstance(task.with_items, str) else _short_json(task.with_items)
    rule = None
    if items is not None:
        rule = LABEL_RULE
        if task.batch_size and task.batch_size > 1:
            rule += f" (batch_size {task.batch_size})"
    transitions = [
        {
            "when": t.when or "always",
            "label": t.label,
            "do": list(t.do),
            "publish": [name for name, _ in t.publish],
        }
        for t in task.next
    ]
    action = task.action or (task.type or "")
    return TaskRow(task.name, action, items, rule, transitions)


def load_workflow_spec(dag_id: str, fileloc: str | None) -> Any:
    """The WorkflowSpec a DAG was compiled from, or None (plain Airflow DAG / source gone)."""
    from attune_provider.spec.loader import load_path

    for candidate in _candidate_sources(dag_id, fileloc):
        try:
            result = load_path(candidate)
        except Exception:
            continue
        workflow = result.workflows.get(dag_id)
        if workflow is not None:
            return workflow
    return None


def source_files(dag_id: str, fileloc: str | None) -> list[Path]:
    """The workflow's YAML files (action file first, then the graph file)."""
    spec = load_workflow_spec(dag_id, fileloc)
    if spec is None:
        return []
    return list(dict.fromkeys(Path(f) for f in (spec.action_file, spec.source_file) if f is not None))


def _configured_folders() -> list[Path]:
    try:
        from attune_provider.config import settings

        current = settings()
        return [Path(current.workflows_folder), *(Path(p) for p in current.packs_folders)]
    except Exception:
        return []


def _candidate_sources(dag_id: str, fileloc: str | None) -> list[Path]:
    candidates: list[Path] = []
    if fileloc and Path(fileloc).is_file() and Path(fileloc).suffix == ".py":
        from attune_provider.dag_loading.published import workflows_in  # a loader file written by the CLI

        source = workflows_in(Path(fileloc)).get(dag_id)
        if source:
            candidates.append(Path(source))
    try:  # the shared loader's index: dag_id -> pack folder or file
        from attune_provider.dag_loading import SpecCache

        unit = SpecCache.default().read_index().get(dag_id)
        if unit:
            candidates.append(Path(unit))
    except Exception:
        pass
    candidates.extend(_configured_folders())
    return [c for c in dict.fromkeys(candidates) if c.exists()]


# --------------------------------------------------------------------------- load errors


def load_error_text(dag: Any) -> str | None:
    """The error text a load-error placeholder DAG fails with, or None for any other DAG."""
    from attune_provider.dag_loading import ERROR_TAG

    if ERROR_TAG not in (getattr(dag, "tags", None) or ()):
        return None
    for task in dag.tasks:
        args = getattr(task, "op_args", None)
        if args and isinstance(args[0], str):
            return args[0]
    return getattr(dag, "doc_md", None) or "load error"


def broken_sources(error_text: str) -> list[SourceFile]:
    """Each file named in ``error_text``, with its problem lines, if it is under a known folder."""
    by_file: dict[str, dict[int, str]] = {}
    for raw in error_text.splitlines():
        headline = _HEADLINE_RE.match(raw)
        if headline:
            by_file.setdefault(headline.group("file"), {})
            continue
        match = _PROBLEM_RE.match(raw)
        if match:
            lines = by_file.setdefault(match.group("file"), {})
            line = int(match.group("line"))
            text = f"column {match.group('column')}: {match.group('message')}"
            lines[line] = f"{lines[line]}; {text}" if line in lines else text
    folders = [f.resolve() for f in _configured_folders() if f.exists()]
    out = []
    for name, lines in by_file.items():
        path = Path(name).resolve()
        allowed = path.suffix in (".yaml", ".yml") and any(f == path or f in path.parents for f in folders)
        if allowed and path.is_file():
            out.append(SourceFile(str(path), _read(path), lines))
    return out
