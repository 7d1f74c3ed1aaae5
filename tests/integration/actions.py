"""Python actions (``module:function``) the integration workflows run on the Celery workers.

Each result names the worker's working directory and process, so the tests can tell which
worker ran which item, and carries the run tag it was given, so mixed-up runs are detectable.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

PAYLOAD_BYTES = 2000  # makes one item's share of the stored list easy to tell from the whole


def make_items(count: int, tag: str) -> list[dict[str, Any]]:
    """The list a with_items task fans out over: ``count`` items tagged with the run's tag."""
    return [
        {"tag": tag, "n": n, "name": f"{tag}-{n}", "payload": f"{n:04d}" * (PAYLOAD_BYTES // 4)}
        for n in range(int(count))
    ]


def process_item(item: Any, index: int, run_id: str) -> Any:
    """Handle one item (or a batch: a list of items); report where it ran and what it saw."""
    batch = item if isinstance(item, list) else [item]
    seen = [
        {
            "tag": it["tag"],
            "n": it["n"],
            "payload_ok": it["payload"] == f"{it['n']:04d}" * (PAYLOAD_BYTES // 4),
        }
        for it in batch
    ]
    return {"index": index, "run_id": run_id, "items": seen, "cwd": os.getcwd(), "pid": os.getpid()}


def fresh_token() -> dict[str, str]:
    """A result that differs on every try, so a re-run stores a new object (purge check)."""
    return {"token": uuid.uuid4().hex}
