"""Importable Python actions used by the tests through ``module:function`` refs."""

from __future__ import annotations

import time


def add(a: int, b: int = 10) -> dict:
    """Add two numbers."""
    return {"sum": a + b}


def explode(reason: str) -> None:
    raise RuntimeError(f"exploded: {reason}")


def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def flexible(**kwargs):
    return {"keys": sorted(kwargs)}


NOT_CALLABLE = 42
