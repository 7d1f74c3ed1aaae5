"""The reference 11 view over a stored action result.

A stored result is ``{succeeded, exit_code, duration_ms, stdout, stderr, error, data}``.
Templates read ``task.x.items`` as well as ``task.x.data.items`` and ``task.x.result.items``,
so the view hoists ``data``'s keys to the top level. As attune does
(``crates/executor/src/scheduler.rs::workflow_result_view``), a result without ``data`` (null
here) whose ``stdout`` is a JSON object shows that object's keys instead: a text-output action
printing ``{"key": ...}`` is read as ``task.x.key``. Nothing is copied: the view reads
through to the stored mapping (often a lazy store view), so a template touching one key
reads one key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = ["RESULT_ALIAS", "ResultListView", "ResultView", "as_result_view"]

RESULT_ALIAS = "result"


class ResultView(Mapping[str, Any]):
    """Read-only Mapping: the stored keys, then ``result`` (= ``data``), then ``data``'s keys.

    Precedence on a name clash: stored (metadata) keys, then the ``result`` alias, then
    ``data``'s keys (or, when ``data`` is null, the keys of ``stdout`` parsed as a JSON object).
    Otherwise only metadata and ``result`` are visible.
    """

    __slots__ = ("_lifted", "_stored")

    def __init__(self, stored: Mapping[str, Any]) -> None:
        self._stored = stored
        self._lifted: Any = _UNPARSED

    @property
    def stored(self) -> Mapping[str, Any]:
        """The underlying stored result, unchanged."""
        return self._stored

    def _data_mapping(self) -> Mapping[str, Any] | None:
        data = self._stored.get("data")
        if isinstance(data, Mapping):
            return data
        if data is not None:
            return None
        if self._lifted is _UNPARSED:
            self._lifted = _stdout_object(self._stored.get("stdout"))
        return self._lifted

    def __getitem__(self, key: str) -> Any:
        stored = self._stored
        try:
            return stored[key]
        except KeyError:
            pass
        if key == RESULT_ALIAS:
            return stored.get("data")
        data = self._data_mapping()
        if data is not None:
            return data[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if key in self._stored or key == RESULT_ALIAS:
            return True
        data = self._data_mapping()
        return data is not None and key in data

    def __iter__(self) -> Iterator[str]:
        stored = self._stored
        yield from stored
        if RESULT_ALIAS not in stored:
            yield RESULT_ALIAS
        data = self._data_mapping()
        if data is not None:
            for key in data:
                if key != RESULT_ALIAS and key not in stored:
                    yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"ResultView({self._stored!r})"


_UNPARSED = object()


def _stdout_object(stdout: Any) -> Mapping[str, Any] | None:
    """``stdout.trim()`` parsed as JSON when that is an object, else None."""
    if not isinstance(stdout, str):
        return None
    text = stdout.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class ResultListView(Sequence[Any]):
    """A with_items task's results (reference 6.5): a Sequence whose elements are result views."""

    __slots__ = ("_items",)

    def __init__(self, items: Sequence[Any]) -> None:
        self._items = items

    @property
    def stored(self) -> Sequence[Any]:
        """The underlying stored results, unchanged."""
        return self._items

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [as_result_view(v) for v in self._items[index]]
        return as_result_view(self._items[index])

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        for value in self._items:
            yield as_result_view(value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=False))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ResultListView({self._items!r})"


def as_result_view(value: Any) -> Any:
    """Wrap a stored result: Mapping -> ResultView, list of results -> ResultListView, else as is."""
    if isinstance(value, (ResultView, ResultListView)):
        return value
    if isinstance(value, Mapping):
        return ResultView(value)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        return ResultListView(value)
    return value
