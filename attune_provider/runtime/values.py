"""Values at the edges where they leave our process: ``plain`` (the package's one deep
converter, defined beside the store views) and short one-line renderings."""

from __future__ import annotations

from typing import Any

from attune_provider.store.lazy import to_plain as plain  # the one converter (store/lazy.py)


def short_text(value: Any, limit: int = 60) -> str:
    """A one-line rendering for grid labels and log lines."""
    text = value if isinstance(value, str) else repr(plain(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
