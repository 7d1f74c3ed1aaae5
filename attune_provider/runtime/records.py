"""The control data steps of one run hand each other through XCom, as small typed records.

Only results (``return_value``) go to the result store; these records are the other XComs,
small and plain so the XCom backend keeps them inline:

* :class:`RouteDecision` under ``ROUTE_KEY``, pushed by the step that routes an attune task
  (``<task>.run`` for unmapped tasks, ``<task>.route`` for with_items and nested tasks) and read
  by the gates of its targets and by ``end``;
* :class:`ItemsMeta` under ``ITEMS_KEY``, pushed by a with_items gate and read by whoever
  reads the task's per-item results;
* the error text of a crashed gate under ``ERROR_KEY`` (a plain string).

``from_xcom`` returns None for anything that is not a record of its kind (a missing XCom, or
a value some other code pushed under the key), so readers treat it as "no record", loudly
where it matters (see ``runtime.end``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: XCom key of a :class:`RouteDecision`
ROUTE_KEY = "attune_route"
#: XCom key of a with_items gate's :class:`ItemsMeta`
ITEMS_KEY = "attune_items"
#: XCom key of the error text of a gate that crashed (e.g. with_items did not render)
ERROR_KEY = "attune_error"


@dataclass(frozen=True)
class RouteDecision:
    """What a finished attune task decided: its outcome, the targets its transitions started
    (first-fired order, forward edges only), its error text (None when it succeeded) and the
    ``when``/``publish`` evaluation errors of its transitions (``problems``, in order)."""

    outcome: str
    selected: tuple[str, ...] = ()
    error: str | None = None
    problems: tuple[str, ...] = ()

    def to_xcom(self) -> dict[str, Any]:
        record: dict[str, Any] = {"outcome": self.outcome, "selected": list(self.selected), "error": self.error}
        if self.problems:
            record["problems"] = list(self.problems)
        return record

    @classmethod
    def from_xcom(cls, value: Any) -> RouteDecision | None:
        if not isinstance(value, Mapping) or not isinstance(value.get("outcome"), str):
            return None
        selected = value.get("selected") or ()
        if isinstance(selected, str) or not all(isinstance(name, str) for name in selected):
            return None
        error = value.get("error")
        problems = value.get("problems") or ()
        if isinstance(problems, str):
            problems = (problems,)
        return cls(
            value["outcome"], tuple(selected), None if error is None else str(error), tuple(map(str, problems))
        )

    def selects(self, task_name: str) -> bool:
        return task_name in self.selected


@dataclass(frozen=True)
class ItemsMeta:
    """A with_items gate's mapping: ``items`` rendered items, grouped into ``count`` units
    (batches of ``batch_size``, or the items themselves); ``chunk`` > 0 means automatic
    batching: each mapped instance ran ``chunk`` consecutive units (docs/graph-semantics.md)."""

    count: int
    chunk: int = 0
    items: int = 0

    def to_xcom(self) -> dict[str, Any]:
        return {"count": self.count, "chunk": self.chunk, "items": self.items}

    @classmethod
    def from_xcom(cls, value: Any) -> ItemsMeta | None:
        if not isinstance(value, Mapping) or "count" not in value:
            return None
        try:
            return cls(int(value["count"]), int(value.get("chunk") or 0), int(value.get("items") or 0))
        except (TypeError, ValueError):
            return None
