"""Holder markers let purge decide without the metadata DB (real workers have none in Airflow 3)."""

from __future__ import annotations

import pytest

from attune_provider.store import ResultStore
from attune_provider.store.holders import Holders, holder_id
from attune_provider.xcom.backend import _DELETING, AttuneXComBackend


def _row(task: str, map_index: int | None = None) -> tuple[str, str, str, str, int | None]:
    return ("return_value", task, "dag", "run1", map_index)


def test_holder_ids_differ_per_row() -> None:
    assert holder_id("d", "r", "t", None) == holder_id("d", "r", "t", -1)
    assert holder_id("d", "r", "t", 0) != holder_id("d", "r", "t", 1)
    assert holder_id("d", "r", "t", 0) != holder_id("d", "r2", "t", 0)


def test_last_holder_release_deletes_the_object(store: ResultStore) -> None:
    key = store.put({"a": 1})
    holders = Holders(store)
    holders.add(key, "one")
    holders.add(key, "two")
    assert holders.count(key) == 2
    assert holders.release(key, "one") is False
    assert store.exists(key)
    assert holders.release(key, "two") is True
    assert not store.exists(key)
    assert holders.count(key) == 0


def test_release_by_an_unknown_holder_keeps_the_object(store: ResultStore) -> None:
    key = store.put([1, 2, 3])
    assert Holders(store).release(key, "never-registered") is False
    assert store.exists(key)


def test_forget_removes_every_marker(store: ResultStore) -> None:
    key = store.put("x" * 10)
    holders = Holders(store)
    holders.add(key, "one")
    holders.forget(key)
    assert holders.count(key) == 0


def test_backend_purge_without_db_uses_holders(monkeypatch: pytest.MonkeyPatch, store: ResultStore) -> None:
    """Two rows share one content-addressed object: purging the first keeps it, the second deletes it.

    ``other_references`` returns None exactly as it does in a Celery worker without DB access.
    """
    import attune_provider.xcom.backend as xcom

    monkeypatch.setattr(xcom, "_store", lambda: store)
    monkeypatch.setattr(xcom, "other_references", lambda ref, row: None)
    value = {"rows": list(range(50))}
    refs = [
        AttuneXComBackend.serialize_value(value, key="return_value", dag_id="dag", run_id="run1", task_id=t)
        for t in ("a", "b")
    ]
    key = refs[0]["key"]
    assert refs[1]["key"] == key
    assert Holders(store).count(key) == 2

    class Row:
        def __init__(self, ref: dict) -> None:
            self.value = ref

    for task, expect_exists in (("a", True), ("b", False)):
        token = _DELETING.set(_row(task))
        try:
            AttuneXComBackend.purge(Row(refs[0]))
        finally:
            _DELETING.reset(token)
        assert store.exists(key) is expect_exists
