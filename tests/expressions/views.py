"""Read-only lazy Sequence/Mapping doubles that count element reads.

They stand in for the store's lazy views where a test must prove *what* was read; the
expression layer may only rely on the collections.abc interface, which these implement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any


class CountingMapping(Mapping[str, Any]):
    def __init__(self, data: Mapping[str, Any], reads: list[str] | None = None) -> None:
        self._data = dict(data)
        self.reads: list[str] = [] if reads is None else reads

    def __getitem__(self, key: str) -> Any:
        self.reads.append(key)
        return wrap(self._data[key], self.reads)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class CountingSequence(Sequence[Any]):
    def __init__(self, data: Sequence[Any], reads: list[Any] | None = None) -> None:
        self._data = list(data)
        self.reads: list[Any] = [] if reads is None else reads

    def __getitem__(self, index: Any) -> Any:
        self.reads.append(index)
        if isinstance(index, slice):
            return [wrap(v, self.reads) for v in self._data[index]]
        return wrap(self._data[index], self.reads)

    def __len__(self) -> int:
        return len(self._data)


def wrap(value: Any, reads: list[Any] | None = None) -> Any:
    """Turn nested plain dicts/lists into counting views sharing one ``reads`` log."""
    if isinstance(value, dict):
        return CountingMapping(value, reads)
    if isinstance(value, list):
        return CountingSequence(value, reads)
    return value


class CountingResolver:
    """A ResultResolver recording which task names were asked for."""

    def __init__(self, results: Mapping[str, Any]) -> None:
        self._results = results
        self.calls: list[str] = []

    def get(self, task_name: str) -> Any:
        self.calls.append(task_name)
        return self._results[task_name]
