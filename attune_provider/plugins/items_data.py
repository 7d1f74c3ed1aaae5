"""The item list of a with_items task for the Attune result tab: one page of rows plus a strip.

Everything comes from the metadata DB: the task instances' states, labels and times, and for
the shown page only, the XCom ``return_value`` rows as stored. A row holding a store reference
carries the object's size (``bytes``) in itself, so the list reads references, never the values;
at 10,000 items a page costs two small queries and the strip one column scan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from attune_provider.store.reference import MARKER

#: the strip draws at most this many bars (consecutive items share a bar: its max duration)
STRIP_BARS = 400


@dataclass
class ItemRow:
    map_index: int
    label: str | None
    state: str | None
    duration: float | None  # seconds
    result_bytes: int | None  # stored object size (reference) or JSON size (inline)
    stored: str  # "reference", "inline" or "none"


@dataclass
class StripBar:
    first: int  # first map index in the bar
    last: int
    duration: float  # max duration of the bar's items (seconds)
    state: str  # the worst state among them (failed > running/queued > skipped > success)


@dataclass
class ItemList:
    dag_id: str
    run_id: str
    task_id: str
    total: int = 0
    page: int = 1
    page_size: int = 50
    pages: int = 1
    rows: list[ItemRow] = field(default_factory=list)
    strip: list[StripBar] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)  # state -> count over all items
    max_duration: float = 0.0


_RANK = {"failed": 5, "upstream_failed": 4, "up_for_retry": 4, "running": 3, "queued": 3, "scheduled": 2}


def _worst(a: str, b: str) -> str:
    return a if _RANK.get(a, 1) >= _RANK.get(b, 1) else b


def result_size(raw: Any) -> tuple[str, int | None]:
    """("reference" | "inline", bytes) of one XCom value as stored, without reading the store."""
    text = raw if isinstance(raw, str) else json.dumps(raw, default=str)
    if MARKER in text:
        try:
            value = json.loads(text) if isinstance(raw, str) else raw
        except ValueError:
            value = None
        if isinstance(value, dict) and MARKER in value:
            size = value.get("bytes")
            return "reference", int(size) if isinstance(size, int) else None
    return "inline", len(text.encode("utf-8"))


def item_list(dag_id: str, run_id: str, task_id: str, *, page: int = 1, page_size: int = 50) -> ItemList:
    """One page of a mapped task's items (by map index) and the strip over all of them."""
    from airflow.models.taskinstance import TaskInstance as TI
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    out = ItemList(dag_id, run_id, task_id, page=max(1, page), page_size=page_size)
    where = (TI.dag_id == dag_id, TI.run_id == run_id, TI.task_id == task_id, TI.map_index >= 0)
    with create_session() as session:
        all_rows = session.execute(
            select(TI.map_index, TI.state, TI.duration).where(*where).order_by(TI.map_index)
        ).all()
        out.total = len(all_rows)
        if not out.total:
            return out
        out.pages = max(1, -(-out.total // page_size))
        out.page = min(out.page, out.pages)
        start = (out.page - 1) * page_size
        shown = [row.map_index for row in all_rows[start : start + page_size]]
        page_rows = session.execute(
            # the stored column (None until rendered), as plugins/data.py reads it: the public
            # ``rendered_map_index`` falls back to str(map_index)
            select(TI.map_index, TI.__table__.c.rendered_map_index, TI.state, TI.duration)
            .where(*where, TI.map_index.in_(shown))
            .order_by(TI.map_index)
        ).all()
        xcoms: dict[int, Any] = dict(
            session.execute(
                select(XComModel.map_index, XComModel.value).where(
                    XComModel.dag_id == dag_id,
                    XComModel.run_id == run_id,
                    XComModel.task_id == task_id,
                    XComModel.key == "return_value",
                    XComModel.map_index.in_(shown),
                )
            ).all()
        )
    for row in page_rows:
        raw = xcoms.get(row.map_index)
        stored, size = ("none", None) if raw is None else result_size(raw)
        out.rows.append(ItemRow(row.map_index, row.rendered_map_index, _state(row.state), row.duration, size, stored))
    _fill_strip(out, [(r.map_index, _state(r.state) or "none", float(r.duration or 0.0)) for r in all_rows])
    return out


def _state(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _fill_strip(out: ItemList, rows: list[tuple[int, str, float]]) -> None:
    per_bar = max(1, -(-len(rows) // STRIP_BARS))
    for i in range(0, len(rows), per_bar):
        chunk = rows[i : i + per_bar]
        state = chunk[0][1]
        for _, s, _ in chunk[1:]:
            state = _worst(state, s)
        out.strip.append(StripBar(chunk[0][0], chunk[-1][0], max(d for _, _, d in chunk), state))
    for _, s, d in rows:
        out.states[s] = out.states.get(s, 0) + 1
        out.max_duration = max(out.max_duration, d)
