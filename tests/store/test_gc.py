"""gc.collect against the real (SQLite) metadata DB, on a private memory:// store.

The Airflow-run test (test_airflow_runs.py) covers objects referenced by real XCom rows; here the
grace period, dry runs, variable stores of unknown runs and the report are checked.
"""

from __future__ import annotations

import uuid

import pytest

from attune_provider.store import ResultStore, RunVariables, collect


@pytest.fixture
def mem_store(airflow_db) -> ResultStore:
    return ResultStore(f"memory://attune-gc-{uuid.uuid4().hex}")


def test_grace_period_protects_fresh_objects(mem_store: ResultStore) -> None:
    key = mem_store.put({"orphan": True})
    report = collect(mem_store, dry_run=False, grace_seconds=3600)
    assert report.scanned == 1 and report.kept_recent == 1 and report.deleted == []
    assert mem_store.exists(key)


def test_dry_run_lists_without_deleting_then_real_run_deletes(mem_store: ResultStore) -> None:
    keys = {mem_store.put([i, "x" * 100]) for i in range(3)}
    dry = collect(mem_store, dry_run=True, grace_seconds=0)
    assert set(dry.deleted) == keys and dry.bytes_freed > 0
    assert all(mem_store.exists(k) for k in keys)
    assert "would delete" in str(dry)
    real = collect(mem_store, dry_run=False, grace_seconds=0)
    assert set(real.deleted) == keys
    assert not any(mem_store.exists(k) for k in keys)
    assert real.to_dict()["deleted"] == real.deleted


def test_variable_store_of_an_unknown_run_is_removed_after_grace(mem_store: ResultStore) -> None:
    v = RunVariables(mem_store, "no_such_dag", "manual__never")
    v.publish({"a": 1}, writer="t")
    assert collect(mem_store, dry_run=False, grace_seconds=3600).var_stores_deleted == []
    assert v.snapshot() == {"a": 1}
    report = collect(mem_store, dry_run=False, grace_seconds=0)
    assert report.var_stores_deleted == ["no_such_dag/manual__never"]
    assert RunVariables(mem_store, "no_such_dag", "manual__never").snapshot() == {}
