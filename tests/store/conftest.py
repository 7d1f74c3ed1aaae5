"""Fixtures for store tests: a fresh store per test on memory:// and on file://."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from attune_provider.store import ResultStore
from attune_provider.store.settings import store_settings


@pytest.fixture(autouse=True)
def fresh_store_settings():
    """Settings are read once per process; tests that change the environment re-read them."""
    store_settings.cache_clear()
    yield
    store_settings.cache_clear()


@pytest.fixture(params=["memory", "file"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return f"memory://attune-test-{uuid.uuid4().hex}"
    return (tmp_path / "store").as_uri()


@pytest.fixture
def store(store_url: str) -> ResultStore:
    return ResultStore(store_url)


@pytest.fixture
def file_store(tmp_path: Path) -> ResultStore:
    return ResultStore((tmp_path / "store").as_uri())


@pytest.fixture
def reopen():
    """Another instance on the same root: empty cache and zeroed counters, like a new process."""

    def _reopen(store: ResultStore) -> ResultStore:
        return ResultStore(store.url, compression=store.compression)

    return _reopen
