"""What the Attune result view shows, read from the metadata DB and the result store (no HTML).

A task instance's XCom row holds a store reference; ``task_result`` resolves it and returns one
page of the value, reading only the items on that page (the store's lazy views), plus the
object's size and content hash, the instance's grid label, and which rows only repeat another
(an action's ``stdout`` that is the JSON its ``data`` was parsed from). Shown values pass
through the run's secrets masker (``plugins/masking.py``). ``iter_json`` streams the whole value
for the download, one element at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from attune_provider.plugins.decision_data import Decision, is_routing_task, task_decision
from attune_provider.plugins.items_data import ItemList, item_list
from attune_provider.plugins.masking import Masker, run_masker
from attune_provider.xcom.lookup import reference_of, result_store, xcom_return_value

MAX_CELL_CHARS = 4000


@dataclass
class Row:
    """One shown element: its index or key, a JSON rendering, and whether it can be opened."""

    key: str | int
    text: str
    truncated: bool = False
    nested: bool = False
    repeats: str | None = None  # key of the row this one only repeats (shown collapsed)


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
    items: ItemList | None = None  # a mapped task's item list (the tab opened without map index)
    label: str | None = None  # the grid label of a mapped instance (rendered map index)
    warning: str | None = None  # e.g. the XCom row's preview was edited in Airflow's XCom tab
    error: str | None = None
    routing: bool = False  # a ``<task>.route`` step: it decides, it stores no result
    decision: Decision | None = None  # the attune task's outcome and the transition taken

    @property
    def title(self) -> str:
        """``check_health.run [srv-0003]``: the task id and the instance's item label."""
        if self.map_index < 0:
            return self.task_id
        label = self.label or str(self.map_index)
        if ": " in label and label.split(": ", 1)[0] == str(self.map_index):
            label = label.split(": ", 1)[1]  # "2: srv-0003" -> "srv-0003"
        return f"{self.task_id} [{label}]"


def _json(
    value: Any, limit: int = MAX_CELL_CHARS, masker: Masker | None = None, name: str | None = None
) -> tuple[str, bool]:
    from attune_provider.store.lazy import to_plain

    plain = to_plain(value)
    if masker is not None:
        plain = masker.value(plain, name)
    if isinstance(plain, str) and "\n" in plain:
        text = plain  # stdout, logs: readable as lines rather than one escaped JSON string
        return (text[:limit] + " …", True) if len(text) > limit else (text, False)
    indent = 2 if _is_container(plain) and plain else None
    text = json.dumps(plain, ensure_ascii=False, default=str, indent=indent)
    if len(text) > limit:
        return text[:limit] + " …", True
    return text, False


def repeats_data(value: Mapping[str, Any]) -> bool:
    """An action result whose ``stdout`` is only the JSON its ``data`` was parsed from."""
    stdout, data = value.get("stdout"), value.get("data")
    if not isinstance(stdout, str) or data is None or not stdout.strip():
        return False
    from attune_provider.store.lazy import to_plain

    try:
        parsed = json.loads(stdout)
    except ValueError:
        return stdout.strip() == data if isinstance(data, str) else False
    return parsed == to_plain(data)


def instance_label(dag_id: str, run_id: str, task_id: str, map_index: int) -> str | None:
    """The rendered map index (grid label, ``2: srv-0003``) of a mapped task instance."""
    if map_index < 0:
        return None
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return session.scalar(
            # the stored column (None until rendered); the public ``rendered_map_index`` falls
            # back to str(map_index)
            select(TaskInstance.__table__.c.rendered_map_index).where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.task_id == task_id,
                TaskInstance.map_index == map_index,
            )
        )


def _is_container(value: Any) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, Sequence) and not isinstance(value, str | bytes))


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
    out.label = instance_label(dag_id, run_id, task_id, map_index)
    out.routing = is_routing_task(task_id)
    out.decision = task_decision(dag_id, run_id, task_id)
    found, raw = xcom_return_value(dag_id, run_id, task_id, map_index)
    out.found = found
    masker = run_masker(dag_id, run_id) if found or out.decision is not None else Masker()
    if out.decision is not None and out.decision.error:
        out.decision.error = masker.text(out.decision.error)
    if not found:
        if map_index < 0:
            items = item_list(dag_id, run_id, task_id, page=page, page_size=page_size)
            out.items = items if items.total else None
        return out
    try:
        value = resolve_value(raw, out)
        for step in path:
            value = _step(value, step)
            out.path.append(step)
    except Exception as exc:  # missing object, corrupt data, bad path: show it, do not 500
        out.error = f"{type(exc).__name__}: {exc}"
        return out
    _fill_page(out, value, masker)
    return out


def resolve_value(raw: Any, out: ResultPage | None = None) -> Any:
    """The value behind an XCom row (lazy views for store objects); notes an edited preview."""
    from attune_provider.store.preview import EditedReferenceError, check_unedited

    ref = reference_of(raw)
    if ref is None:
        return raw
    reference = json.loads(raw) if isinstance(raw, str) else raw
    store = result_store()
    if out is not None:
        out.is_reference = True
        out.key = ref[0]
        out.object_bytes = _object_size(store, ref[0])
        try:
            check_unedited(reference)
        except EditedReferenceError as exc:
            out.warning = str(exc)
    return store.load(*ref)


def iter_json(value: Any, masker: Masker) -> Iterator[str]:
    """The whole value as JSON text, in chunks (one list element or mapping entry at a time)."""
    from attune_provider.store.lazy import to_plain

    def dump(item: Any) -> str:
        return json.dumps(masker.value(to_plain(item)), ensure_ascii=False, default=str)

    if isinstance(value, Mapping):
        yield "{"
        for i, key in enumerate(value.keys()):
            yield ("," if i else "") + json.dumps(str(key)) + ":" + dump(value[key])
        yield "}"
    elif _is_container(value):
        yield "["
        for i in range(len(value)):
            yield ("," if i else "") + dump(value[i])
        yield "]"
    else:
        yield dump(value)


def download(dag_id: str, run_id: str, task_id: str, map_index: int, path: Sequence[str] = ()) -> Iterator[str]:
    """Chunks of the full value of one task instance's result (raises LookupError when absent)."""
    found, raw = xcom_return_value(dag_id, run_id, task_id, map_index)
    if not found:
        raise LookupError(f"no result stored for {dag_id} / {run_id} / {task_id} [{map_index}]")
    value = resolve_value(raw)
    for step in path:
        value = _step(value, step)
    return iter_json(value, run_masker(dag_id, run_id))


def _step(value: Any, step: str) -> Any:
    if isinstance(value, Mapping):
        return value[step]
    if _is_container(value):
        return value[int(step)]
    raise KeyError(f"{step!r}: a {type(value).__name__} has no elements")


def _fill_page(out: ResultPage, value: Any, masker: Masker) -> None:
    repeated: dict[str, str] = {}
    if isinstance(value, Mapping):
        out.kind = "mapping"
        keys = list(value.keys())
        out.length = len(keys)
        selected: list[Any] = keys
        if repeats_data(value):
            repeated["stdout"] = "data"
    elif _is_container(value):
        out.kind = "list"
        out.length = len(value)
        selected = list(range(len(value)))
    else:
        out.kind = type(value).__name__
        out.scalar, _ = _json(value, limit=200_000, masker=masker)
        return
    out.pages = max(1, -(-len(selected) // out.page_size))
    out.page = min(out.page, out.pages)
    start = (out.page - 1) * out.page_size
    for key in selected[start : start + out.page_size]:
        item = value[key]
        name = key if isinstance(key, str) else None  # a sensitive key name masks its value
        text, truncated = _json(item, masker=masker, name=name)
        out.rows.append(Row(key, text, truncated, _is_container(item), repeated.get(str(key))))


def _object_size(store: Any, key: str) -> int | None:
    try:
        return int(store.fs.info(store.object_path(key)).get("size") or 0)
    except Exception:
        return None
