"""Fixtures for the action tests: the test pack, a registry over it, and a capturing logger."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKS = Path(__file__).resolve().parent / "packs"
TEST_PACK = PACKS / "acttest"


class CollectingHandler(logging.Handler):
    """Collects formatted records of one logger, in order."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, CollectingHandler]]:
    logger = logging.getLogger(f"attune.test.actions.{id(object())}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handler = CollectingHandler()
    logger.addHandler(handler)
    yield logger, handler
    logger.removeHandler(handler)


@pytest.fixture(scope="session")
def registry():
    from attune_provider.actions import ActionRegistry

    return ActionRegistry(packs_folders=[PACKS], pack_entry_point_group=None)
