"""with_items (reference 6): the list of units a gate maps the run over, and their grid labels.

A *unit* is what one action call receives as ``item``: an item, or with ``batch_size`` > 1 the
list of a batch's items. When there are more units than Airflow's ``max_map_length`` the gate
groups consecutive units into *chunks* (automatic batching, reference 6.3); an instance then runs
each unit of its chunk separately, keeping per-item results, errors and retries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from attune_provider.runtime.values import short_text

CHUNK_KEY = "__attune_chunk__"


def as_item_list(value: Any) -> list[Any] | Sequence[Any]:
    """A non-list value is one item (reference 6.1); None is no item."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        return value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return [value]


def make_units(items: Sequence[Any], batch_size: int | None) -> Sequence[Any]:
    if batch_size and batch_size > 1:
        return [list(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]
    return items


def chunk_units(units: Sequence[Any], max_map_length: int) -> tuple[list[Any] | Sequence[Any], int]:
    """(what the gate returns, chunk size or 0) keeping instance count <= max_map_length."""
    if len(units) <= max_map_length:
        return units, 0
    chunk = math.ceil(len(units) / max_map_length)
    chunks = [
        {CHUNK_KEY: {"start": start, "units": list(units[start : start + chunk])}}
        for start in range(0, len(units), chunk)
    ]
    return chunks, chunk


def unpack_chunk(value: Any) -> tuple[int, list[Any]] | None:
    """(first unit index, units) when ``value`` is an automatic chunk, else None."""
    if isinstance(value, Mapping) and len(value) == 1 and CHUNK_KEY in value:
        chunk = value[CHUNK_KEY]
        return int(chunk["start"]), list(chunk["units"])
    return None


def item_label(item: Any, index: int) -> str:
    """Readable grid label (reference 6.4): the item's name / id / short rendering."""
    chunk = unpack_chunk(item)
    if chunk is not None:
        start, units = chunk
        return f"items {start}-{start + len(units) - 1}"
    if isinstance(item, Mapping):
        for key in ("name", "id", "key", "title", "label"):
            value = item.get(key)
            if value is not None and not isinstance(value, (Mapping, list)):
                return f"{index}: {short_text(value, 50)}"
    return f"{index}: {short_text(item, 50)}"
