"""Bounded LRU of decoded object parts (headers, index entries, payload bytes).

Objects are immutable, so caching is always safe; keys are tuples whose second item is the
object key, so everything cached for one object can be dropped when it is deleted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class ObjectCache:
    """Thread-safe LRU bounded by entry count and total bytes; hit count in ``hits``."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.hits = 0
        self._data: OrderedDict[tuple, Any] = OrderedDict()
        self._sizes: dict[tuple, int] = {}
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
                self.hits += 1
            return value

    def put(self, key: tuple, value: Any, size: int) -> None:
        if self.max_entries <= 0 or size > self.max_bytes:
            return
        with self._lock:
            if key in self._data:
                self._total -= self._sizes[key]
            self._data[key] = value
            self._data.move_to_end(key)
            self._sizes[key] = size
            self._total += size
            while len(self._data) > self.max_entries or self._total > self.max_bytes:
                old, _ = self._data.popitem(last=False)
                self._total -= self._sizes.pop(old)

    def drop_object(self, ref: str) -> None:
        """Forget every cached part of object ``ref`` (it was deleted)."""
        with self._lock:
            for key in [k for k in self._data if len(k) > 1 and k[1] == ref]:
                del self._data[key]
                self._total -= self._sizes.pop(key)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self._total = 0
