"""What the UI views show, read from the metadata DB and the result store (no HTML here).

A task instance's XCom row holds a store reference; ``task_result`` resolves it and returns one
page of the value, reading only the items on that page (the store's lazy views), plus the
object's size and content hash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attune_provider.xcom.lookup import reference_of, result_store, xcom_return_value

MAX_CELL_CHARS = 4000


@dataclass
class Row:
    """One shown element: its index or key, a JSON rendering, and whether it can be opened."""

    key: str | int
    text: str
    truncated: bool = False
    nested: bool = False


@dataclass
class ResultPage:
    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    found: bool = False
    is_reference: bool = False
    key: str | None = None  # content hash (sha256) of the stored object
    object_bytes: int | None = None
    path: list[str | int] = field(default_factory=list)
    kind: str = ""
    length: int | None = None
    page: int = 1
    page_size: int = 50
    pages: int = 1
    rows: list[Row] = field(default_factory=list)
    scalar: str | None = None
    mapped_indexes: list[int] = field(default_factory=list)
    error: str | None = None


def _json(value: Any, limit: int = MAX_CELL_CHARS) -> tuple[str, bool]:
    from attune_provider.cli.workflows import to_plain

    text = json.dumps(to_plain(value), ensure_ascii=False, default=str, indent=None)
    if len(text) > limit:
        return text[:limit] + " …", True
    return text, False


def _is_container(value: Any) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, Sequence) and not isinstance(value, str | bytes))


def mapped_indexes(dag_id: str, run_id: str, task_id: str) -> list[int]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(TaskInstance.map_index)
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.task_id == task_id,
                TaskInstance.map_index >= 0,
            )
            .order_by(TaskInstance.map_index)
        ).all()
    return list(rows)


def task_result(
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int,
    *,
    path: Sequence[str] = (),
    page: int = 1,
    page_size: int = 50,
) -> ResultPage:
    """One page of a task instance's resolved result (``path`` walks into nested values)."""
    out = ResultPage(dag_id, run_id, task_id, map_index, page=max(page, 1), page_size=page_size)
    found, raw = xcom_return_value(dag_id, run_id, task_id, map_index)
    out.found = found
    if not found:
        if map_index < 0:
            out.mapped_indexes = mapped_indexes(dag_id, run_id, task_id)
        return out
    store = result_store()
    ref = reference_of(raw)
    try:
        if ref is not None:
            out.is_reference = True
            out.key, base = ref
            out.object_bytes = _object_size(store, out.key)
            value = store.load(out.key, base)
        else:
            value = raw
        for step in path:
            value = _step(value, step)
            out.path.append(step)
    except Exception as exc:  # missing object, corrupt data, bad path: show it, do not 500
        out.error = f"{type(exc).__name__}: {exc}"
        return out
    _fill_page(out, value)
    return out


def _step(value: Any, step: str) -> Any:
    if isinstance(value, Mapping):
        return value[step]
    if _is_container(value):
        return value[int(step)]
    raise KeyError(f"{step!r}: a {type(value).__name__} has no elements")


def _fill_page(out: ResultPage, value: Any) -> None:
    if isinstance(value, Mapping):
        out.kind = "mapping"
        keys = list(value.keys())
        out.length = len(keys)
        selected: list[Any] = keys
    elif _is_container(value):
        out.kind = "list"
        out.length = len(value)
        selected = list(range(len(value)))
    else:
        out.kind = type(value).__name__
        out.scalar, _ = _json(value, limit=200_000)
        return
    out.pages = max(1, -(-len(selected) // out.page_size))
    out.page = min(out.page, out.pages)
    start = (out.page - 1) * out.page_size
    for key in selected[start : start + out.page_size]:
        item = value[key]
        text, truncated = _json(item)
        out.rows.append(Row(key, text, truncated, _is_container(item)))


def _object_size(store: Any, key: str) -> int | None:
    try:
        return int(store.fs.info(store.object_path(key)).get("size") or 0)
    except Exception:
        return None


# --------------------------------------------------------------------------- DAG view


@dataclass
class SourceFile:
    path: str
    text: str


@dataclass
class WorkflowInfo:
    dag_id: str
    found: bool = False
    description: str | None = None
    tasks: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    sources: list[SourceFile] = field(default_factory=list)
    source_note: str | None = None


def workflow_info(dag_id: str) -> WorkflowInfo:
    """The compiled task table (from the serialized DAG) and the attune files it came from."""
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.utils.session import create_session

    from attune_provider.cli.render_cmd import describe_dag

    info = WorkflowInfo(dag_id)
    with create_session() as session:
        dag = SerializedDagModel.get_dag(dag_id, session=session)
    if dag is None:
        return info
    info.found = True
    described = describe_dag(dag)
    info.description = described.get("description")
    info.tasks = described["tasks"]
    info.params = described["params"]
    files = source_files(dag_id, getattr(dag, "fileloc", None))
    if not files:
        info.source_note = "no attune source found for this DAG (not compiled from attune YAML?)"
    for file in files:
        try:
            info.sources.append(SourceFile(str(file), file.read_text(encoding="utf-8")))
        except OSError as exc:
            info.sources.append(SourceFile(str(file), f"(cannot read: {exc})"))
    return info


def source_files(dag_id: str, fileloc: str | None) -> list[Path]:
    """The workflow's YAML files: found by loading what its loader file loads, never from a request."""
    from attune_provider.spec.loader import load_path

    for candidate in _candidate_sources(dag_id, fileloc):
        try:
            result = load_path(candidate)
        except Exception:
            continue
        workflow = result.workflows.get(dag_id)
        if workflow is not None:
            files = [f for f in (workflow.action_file, workflow.source_file) if f is not None]
            return list(dict.fromkeys(Path(f) for f in files))
    return []


def _candidate_sources(dag_id: str, fileloc: str | None) -> list[Path]:
    import re

    candidates: list[Path] = []
    if fileloc and Path(fileloc).is_file() and Path(fileloc).suffix == ".py":
        text = Path(fileloc).read_text(encoding="utf-8", errors="replace")
        match = re.search(r"dag_from_source\((['\"])(.+?)\1", text)  # loader written by the CLI
        if match:
            candidates.append(Path(match.group(2)))
    try:  # the shared loader's index: dag_id -> pack folder or file
        from attune_provider.compiler.dag_loader import SpecCache

        unit = SpecCache.default().read_index().get(dag_id)
        if unit:
            candidates.append(Path(unit))
    except Exception:
        pass
    try:
        from attune_provider.config import settings

        current = settings()
        candidates.extend([current.workflows_folder, *current.packs_folders])
    except Exception:
        pass
    return [c for c in dict.fromkeys(candidates) if c.exists()]
