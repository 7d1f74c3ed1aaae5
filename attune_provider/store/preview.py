"""The preview an XCom reference carries, so Airflow's own XCom tab is useful on its own.

Airflow shows the XCom row as it is stored: for an attune result that is the small store
reference. Its ``preview`` (docs/ui.md, "Airflow's XCom tab") is

* ``value``: the whole value, as JSON, when it is small (at most ``FULL_VALUE_BYTES``);
* otherwise ``first_items`` (a list's first items / a mapping's first entries, as JSON with long
  strings and deep containers shortened) and ``more`` (how many items were left out), or
  ``start`` for a long string; a large mapping also lists its first key names (``first_keys``);
* ``full_value``: where the whole value is shown (the task instance's "Attune result" tab);
* ``sha``: a digest of the preview itself. The preview is a read-only summary; a user who
  edits it in the XCom tab would change nothing the next task reads, so ``check_unedited``
  turns such an edit into a loud error instead of a silently ignored one.

Only the bounded part that goes into the preview is walked (never the whole value) and it is
passed through Airflow's secrets masker: sensitive key names and registered secrets become
``***``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

FULL_VALUE_BYTES = 1024
FIRST_ITEMS = 3
NESTED_ITEMS = 3
FIRST_KEYS = 8
STRING_CHARS = 60
MAX_DEPTH = 3
RESULT_TAB = "Attune result"
SECRET_WINDOW = 256
ACTION_KEYS = ("succeeded", "outcome", "data", "error")


class EditedReferenceError(ValueError):
    """An XCom reference whose preview was changed after it was written (edited in the UI)."""


class _TooBig(Exception):
    """The full pass gave up: the value does not fit in ``FULL_VALUE_BYTES``."""


class _Limits:
    """How much of a value one pass keeps: items per container, string size, depth, nodes and
    (for the full pass) JSON bytes; ``abort`` ends the pass at the first cut (cheap on big values).
    """

    def __init__(
        self, top_items: int, items: int, chars: int, depth: int, budget: int, *, abort: bool = False
    ) -> None:
        self.top_items, self.items, self.chars, self.depth = top_items, items, chars, depth
        self.budget = budget  # one per node plus the characters of every string kept
        self.abort = abort
        self.cut = False

    def mark_cut(self) -> None:
        self.cut = True
        if self.abort:
            raise _TooBig

    def spend(self, size: int = 1) -> bool:
        self.budget -= size
        if self.budget < 0:
            self.mark_cut()
            return False
        return True


def _summary_limits() -> _Limits:
    return _Limits(FIRST_ITEMS, NESTED_ITEMS, STRING_CHARS, MAX_DEPTH, budget=FULL_VALUE_BYTES)


def _full_limits() -> _Limits:
    # every node and character of the value counts against the JSON size allowed in full
    return _Limits(FULL_VALUE_BYTES, FULL_VALUE_BYTES, FULL_VALUE_BYTES, 16, FULL_VALUE_BYTES, abort=True)


def _redact(value: Any) -> Any:
    try:
        from attune_provider._airflow_compat.secrets_masker import redact

        return redact(value)
    except ImportError:  # pragma: no cover - Airflow without the task SDK masker
        return value


def _ordered(value: dict[Any, Any]) -> Iterator[Any]:
    """Top-level keys, an action result's outcome and data first (its most telling entries)."""
    first = [k for k in ACTION_KEYS if k in value] if "data" in value else []
    yield from first
    yield from (k for k in value if k not in first)


def _short(value: Any, depth: int, lim: _Limits) -> Any:
    """``value`` as JSON-able data, bounded in depth, length and string size."""
    if not lim.spend(min(len(value), lim.chars) + 2 if isinstance(value, str) else 1):
        return "…"
    if isinstance(value, str):
        if len(value) > lim.chars:
            lim.mark_cut()
            # mask before cutting (a secret is never half shown), but only the shown window
            window = _redact(value[: lim.chars + SECRET_WINDOW])
            return f"{window[: lim.chars]}… ({len(value):,} chars)"
        return value if lim.abort else _redact(value)  # the full pass is masked as a whole
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, bytes):
        lim.mark_cut()
        return f"<{len(value):,} bytes>"
    if isinstance(value, dict):
        if depth >= lim.depth:
            lim.mark_cut()
            return f"{{… {len(value):,} keys}}"
        keys = list(
            itertools.islice(
                _ordered(value) if depth == 0 else value, lim.top_items if depth == 0 else lim.items
            )
        )
        out = {str(k): _short(value[k], depth + 1, lim) for k in keys}
        if len(value) > len(keys):
            lim.mark_cut()
            if depth > 0:
                out["…"] = f"{len(value) - len(keys):,} more keys"
        return out
    if isinstance(value, (list, tuple)):
        if depth >= lim.depth:
            lim.mark_cut()
            return f"[… {len(value):,} items]"
        head = [_short(item, depth + 1, lim) for item in value[: lim.top_items if depth == 0 else lim.items]]
        if len(value) > len(head):
            lim.mark_cut()
            if depth > 0:
                head.append(f"… {len(value) - len(head):,} more")
        return head
    return _short(str(value), depth, lim)


def result_tab_path(dag_id: str, run_id: str, task_id: str, map_index: int | None) -> str:
    """Path (under the Airflow UI's base URL) of a task instance's Attune result tab."""
    parts = ["dags", dag_id, "runs", run_id, "tasks", task_id]
    if map_index is not None and map_index >= 0:
        parts += ["mapped", str(map_index)]
    return "/" + "/".join(quote(str(p), safe="") for p in parts) + "/plugin/attune-result"


def preview_digest(preview: dict[str, Any]) -> str:
    body = {k: v for k, v in preview.items() if k != "sha"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def build_preview(
    value: Any,
    *,
    dag_id: str | None = None,
    run_id: str | None = None,
    task_id: str | None = None,
    map_index: int | None = None,
) -> dict[str, Any]:
    """The ``preview`` of a reference to ``value`` (plain data, as the XCom backend stores it)."""
    # key order is display order in Airflow's XCom tab: the pointer first, then the data
    preview: dict[str, Any] = {}
    if dag_id and run_id and task_id:
        preview["full_value"] = f"{RESULT_TAB} tab: {result_tab_path(dag_id, run_id, task_id, map_index)}"
    else:
        preview["full_value"] = f"{RESULT_TAB} tab of the task instance"
    try:
        full = _redact(_short(value, 0, _full_limits()))
        fits = len(json.dumps(full, ensure_ascii=False, default=str).encode("utf-8")) <= FULL_VALUE_BYTES
    except _TooBig:
        fits = False
    if fits:
        preview["value"] = full
    else:
        short = _short(value, 0, _summary_limits())
        if isinstance(value, str):
            preview["start"] = short
        elif isinstance(value, (dict, list, tuple)):
            preview["first_items"] = _redact(short)
            preview["more"] = len(value) - len(short)
            if isinstance(value, dict):  # the shape at a glance
                keys = itertools.islice(value, FIRST_KEYS)
                preview["first_keys"] = [str(k)[:STRING_CHARS] for k in keys]
        else:
            preview["value"] = short
    preview["sha"] = preview_digest(preview)
    return preview


def check_unedited(reference: dict[str, Any]) -> None:
    """Raise when a reference's preview no longer matches its digest (edited after writing)."""
    preview = reference.get("preview")
    if not isinstance(preview, dict) or "sha" not in preview:
        return  # a view re-stored by reference has no preview; older rows have no digest
    if preview_digest(preview) != preview.get("sha"):
        raise EditedReferenceError(
            "this XCom row is an attune store reference whose 'preview' was edited (for example in "
            "Airflow's XCom tab); the preview is a read-only summary and editing it does not change "
            f"the stored value (object {str(reference.get('key'))[:16]}…). To replace the result, "
            "replace the whole XCom value with the new value; to keep the stored value, restore the "
            "row (clear and re-run the task). See docs/ui.md, 'Airflow's XCom tab'."
        )
