"""The small JSON reference kept in an XCom row (or a variable record) instead of the value.

Format (one JSON object)::

    {"__attune_ref__": 1, "key": "<64 hex sha256>", "path": [], "kind": "list",
     "len": 100, "bytes": 1048576, "preview": {...}}

``key`` names the object (sha256 of its bytes); ``path`` selects a nested indexed node inside it
(a task that returns ``upstream["data"]`` stores the same object with path ``["data"]``);
``kind``/``len``/``bytes``/``preview`` are informational, for the Airflow UI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

MARKER = "__attune_ref__"
KEY_RE = re.compile(r"^[0-9a-f]{64}$")
PREVIEW_KEYS = 8
PREVIEW_CHARS = 80


def make_reference(
    key: str, path: Sequence[str | int], *, kind: str, length: int | None, size: int, preview: Any
) -> dict[str, Any]:
    ref: dict[str, Any] = {MARKER: 1, "key": key, "path": list(path), "kind": kind, "bytes": size}
    if length is not None:
        ref["len"] = length
    if preview is not None:
        ref["preview"] = preview
    return ref


def is_reference(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get(MARKER) == 1 and isinstance(obj.get("key"), str)


def parse_reference(obj: Any) -> tuple[str, tuple[str | int, ...]]:
    """(key, path) of a reference dict; raises ValueError for anything else."""
    if not is_reference(obj):
        raise ValueError(f"not an attune store reference: {str(obj)[:120]!r}")
    path = obj.get("path") or []
    if not isinstance(path, list) or not all(isinstance(p, (str, int)) for p in path):
        raise ValueError(f"attune store reference has an invalid path: {path!r}")
    return obj["key"], tuple(path)


def iter_reference_keys(obj: Any) -> Iterator[str]:
    """Every object key referenced anywhere inside a JSON value (for GC and purge)."""
    stack = [obj]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            if is_reference(cur):
                yield cur["key"]
            else:
                stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 3] + "..."


def preview_of(value: Any) -> Any:
    """What the UI shows: first keys of a mapping, first item of a list, or a short scalar."""
    if isinstance(value, dict):
        keys = [k if isinstance(k, str) else repr(k) for k in list(value)[:PREVIEW_KEYS]]
        return {"first_keys": [k[:PREVIEW_CHARS] for k in keys]}
    if isinstance(value, list):
        return {"first_item": _short(value[0])} if value else {}
    return {"value": _short(value)}


def kind_of(value: Any) -> tuple[str, int | None]:
    if isinstance(value, dict):
        return "dict", len(value)
    if isinstance(value, list):
        return "list", len(value)
    if isinstance(value, (str, bytes)):
        return type(value).__name__, len(value)
    return type(value).__name__, None
