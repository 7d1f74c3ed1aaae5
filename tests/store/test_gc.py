"""gc.collect against the real (SQLite) metadata DB, on a private file:// store.

The Airflow-run tests (test_airflow_runs.py, test_gc_concurrent.py) cover objects referenced by
real XCom rows and held by live runs; here the grace period and its floor, holder markers,
dry runs, variable stores of unknown runs and the report are checked.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from attune_provider.store import ResultStore, RunVariables, collect
from attune_provider.store.gc import MIN_GRACE_SECONDS, effective_grace
from attune_provider.store.holders import Holders, holder_id, holder_label


@pytest.fixture
def gc_store(airflow_db, tmp_path: Path) -> ResultStore:
    return ResultStore((tmp_path / "gc-store").as_uri())


def _age(store: ResultStore, key: str, seconds: float, *, markers: bool = True) -> None:
    """Pretend an object (and its holder markers) were written ``seconds`` ago."""
    old = time.time() - seconds
    os.utime(store.object_path(key), (old, old))
    if markers:
        for marker in store.files.list_dir(store.files.path("holders", key)):
            os.utime(marker.path, (old, old))


def _hold(store: ResultStore, key: str, dag_id: str, run_id: str) -> None:
    Holders(store).add(key, holder_id(dag_id, run_id, "t", None), holder_label(dag_id, run_id, "t", None))


def test_grace_period_protects_fresh_objects(gc_store: ResultStore) -> None:
    key = gc_store.put({"orphan": True})
    report = collect(gc_store, dry_run=False, grace_seconds=3600)
    assert report.scanned == 1 and report.kept_recent == 1 and report.deleted == []
    assert gc_store.exists(key)


def test_unsafe_grace_is_raised_to_the_floor_with_a_note(gc_store: ResultStore) -> None:
    """``--grace 0`` used to delete objects whose XCom row was milliseconds from being committed."""
    fresh = gc_store.put({"written": "a minute ago"})
    _age(gc_store, fresh, 60)
    report = collect(gc_store, dry_run=False, grace_seconds=0)
    assert report.grace_seconds == MIN_GRACE_SECONDS and report.requested_grace_seconds == 0
    assert report.deleted == [] and gc_store.exists(fresh)
    assert "grace 0s is shorter" in report.notes[0] and "note: grace 0s" in str(report)
    assert effective_grace(7200) == (7200.0, None)


@pytest.mark.parametrize("bad", [-1, float("nan")])
def test_negative_grace_is_refused(gc_store: ResultStore, bad: float) -> None:
    with pytest.raises(ValueError, match="grace period must be"):
        collect(gc_store, dry_run=True, grace_seconds=bad)


def test_in_flight_object_is_kept_whatever_its_age(gc_store: ResultStore) -> None:
    """An old object (a dedupe hit) whose new holder's XCom row is not committed yet survives."""
    key = gc_store.put(["shared", "content"])
    _hold(gc_store, key, "dag_created_after_the_scan", "manual__new")
    _age(gc_store, key, 7200, markers=False)  # the object is old, the marker was just written
    report = collect(gc_store, dry_run=False, grace_seconds=0)
    assert report.held == 1 and report.deleted == []
    assert gc_store.load_plain(key) == ["shared", "content"]


def test_stale_marker_of_a_deleted_run_holds_nothing(gc_store: ResultStore) -> None:
    key = gc_store.put(["left", "behind"])
    _hold(gc_store, key, "deleted_dag", "manual__gone")
    _age(gc_store, key, 7200)
    report = collect(gc_store, dry_run=False, grace_seconds=3600)
    assert report.deleted == [key] and not gc_store.exists(key)
    assert Holders(gc_store).count(key) == 0  # its markers went with it


def test_dry_run_lists_without_deleting_then_real_run_deletes(gc_store: ResultStore) -> None:
    keys = {gc_store.put([i, "x" * 100]) for i in range(3)}
    for key in keys:
        _age(gc_store, key, 7200)
    dry = collect(gc_store, dry_run=True, grace_seconds=3600)
    assert set(dry.deleted) == keys and dry.bytes_freed > 0
    assert all(gc_store.exists(k) for k in keys)
    assert "would delete" in str(dry)
    real = collect(gc_store, dry_run=False, grace_seconds=3600)
    assert set(real.deleted) == keys
    assert not any(gc_store.exists(k) for k in keys)
    assert real.to_dict()["deleted"] == real.deleted
    assert [p.name for p in Path(gc_store.files.path("trash")).iterdir()] == []  # nothing left aside


def test_variable_store_of_an_unknown_run_is_removed_after_grace(gc_store: ResultStore) -> None:
    v = RunVariables(gc_store, "no_such_dag", "manual__never")
    v.publish({"a": 1}, writer="t")
    assert collect(gc_store, dry_run=False, grace_seconds=3600).var_stores_deleted == []
    assert v.snapshot() == {"a": 1}
    old = time.time() - 7200
    for info in gc_store.files.find(v.dir):
        os.utime(info.path, (old, old))
    report = collect(gc_store, dry_run=False, grace_seconds=3600)
    assert report.var_stores_deleted == ["no_such_dag/manual__never"]
    assert RunVariables(gc_store, "no_such_dag", "manual__never").snapshot() == {}


def test_leftovers_of_interrupted_writes_and_deletes(gc_store: ResultStore) -> None:
    """Old temp files go; an object stranded in trash/ comes back when it is held, else goes."""
    held = gc_store.put({"held": True})
    _hold(gc_store, held, "some_dag", "manual__now")
    stranded = gc_store.set_aside(held)  # a purge that died between its two steps
    assert stranded is not None and not gc_store.exists(held)
    orphan = gc_store.put({"orphan": True})
    orphan_aside = gc_store.set_aside(orphan)
    temp_old = Path(gc_store.object_path(held)).parent / ".tmp-old"
    temp_new = Path(gc_store.object_path(held)).parent / ".tmp-new"
    temp_old.write_bytes(b"half an obj")
    temp_new.write_bytes(b"being written")
    old = time.time() - 7200
    for path in (temp_old, Path(orphan_aside)):
        os.utime(path, (old, old))
    report = collect(gc_store, dry_run=False, grace_seconds=3600)
    assert report.objects_restored == [held] and gc_store.load_plain(held) == {"held": True}
    assert report.leftovers_removed == 2
    assert not temp_old.exists() and not Path(orphan_aside).exists()
    assert temp_new.exists()  # younger than the grace period: may still be renamed into place


def test_object_store_without_renames_still_collects(airflow_db) -> None:
    """On object stores a move is copy + delete (a new mtime): the old-enough check must not use it."""
    import datetime as dt
    import uuid

    store = ResultStore(f"memory://attune-gc-{uuid.uuid4().hex}")
    key = store.put({"orphan": "on an object store"})
    store.fs.store[store.object_path(key)].created = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    report = collect(store, dry_run=False, grace_seconds=3600)
    assert report.deleted == [key] and not store.exists(key)
    assert store.files.find(store.files.path("trash")) == []
