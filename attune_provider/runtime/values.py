"""Turning lazy views into plain data at the edges where values leave our process."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def plain(value: Any) -> Any:
    """Deep plain copy of rendered values: lazy views / result views -> dict / list.

    Actions, the variable store and Param-like consumers expect JSON-able data; a template such
    as ``{{ task.fetch.items }}`` yields a lazy store view that must be materialised here (the
    cost is the size of what the template referenced, never the whole context).
    """
    if value is None or isinstance(value, (str, bytes, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (bytearray, memoryview)):
        return [plain(item) for item in value]
    return value


def short_text(value: Any, limit: int = 60) -> str:
    """A one-line rendering for grid labels and log lines."""
    text = value if isinstance(value, str) else repr(plain(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
