"""Real Airflow runs (dag.test() on SQLite) through AttuneXComBackend.

One fan-out run: ``first`` returns 200 dicts, ``per_item`` is mapped over them, ``total`` reduces
the mapped results. Every mapped instance must read only its own element (the store counts bytes
per task instance: ``stats.by_scope``). A small second DAG, run on two dates, has tasks whose
first try pushes a result and fails: the retry must purge that object unless another row shares
it; then one run is deleted and the collector must remove its objects only.

(dag.test() on an existing logical date deletes the old run with its XCom rows instead of
clearing it, so a retry is how these tests make Airflow start a new try of a task instance.)
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from attune_provider.store.preview import FULL_VALUE_BYTES

pytestmark = pytest.mark.airflow

DAG_FILE = Path(__file__).parent / "dag_files" / "attune_store_dags.py"
N_ITEMS = 200
FANOUT_DAG = "attune_store_fanout"
RERUN_DAG = "attune_store_rerun"


@pytest.fixture(scope="module")
def dag_module(airflow_db):
    """Copy the DAG file into the dags folder (dag.test() syncs it to the DB) and import it."""
    target = airflow_db / "dags" / DAG_FILE.name
    shutil.copyfile(DAG_FILE, target)
    spec = importlib.util.spec_from_file_location("attune_store_dags", target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fanout_run(dag_module):
    from attune_provider.store import ResultStore

    store = ResultStore.from_settings()
    before = dict(store.stats.by_scope)
    dr = dag_module.fanout_dag.test()
    return dr, store, before, dag_module


def _xcom_value(dag_id: str, run_id: str, task_id: str, map_index: int = -1):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return session.scalar(
            select(XComModel.value).where(
                XComModel.dag_id == dag_id,
                XComModel.run_id == run_id,
                XComModel.task_id == task_id,
                XComModel.map_index == map_index,
                XComModel.key == "return_value",
            )
        )


def test_fanout_run_succeeds_and_reduces(fanout_run) -> None:
    dr, store, _, _ = fanout_run
    assert dr.state == "success"
    total = store.load(_xcom_value(FANOUT_DAG, dr.run_id, "total")["key"])
    assert dict(total) == {"count": N_ITEMS, "ids": sum(range(N_ITEMS)), "size": N_ITEMS * 1000}


def test_xcom_rows_hold_small_references(fanout_run) -> None:
    dr, _, _, _ = fanout_run
    ref = _xcom_value(FANOUT_DAG, dr.run_id, "first")
    assert ref["__attune_ref__"] == 1 and ref["kind"] == "list" and ref["len"] == N_ITEMS
    # the preview shows the first items (docs/ui.md); it is bounded, so the row stays small
    assert len(json.dumps(ref)) < 600 + FULL_VALUE_BYTES


def test_task_map_length(fanout_run) -> None:
    from airflow.models.taskmap import TaskMap
    from airflow.utils.session import create_session
    from sqlalchemy import select

    dr, _, _, _ = fanout_run
    with create_session() as session:
        length = session.scalar(
            select(TaskMap.length).where(
                TaskMap.dag_id == FANOUT_DAG, TaskMap.run_id == dr.run_id, TaskMap.task_id == "first"
            )
        )
    assert length == N_ITEMS


def test_each_mapped_instance_reads_only_its_item(fanout_run) -> None:
    dr, store, before, module = fanout_run
    per_instance = {
        int(label.split("/")[3]): n
        for label, n in store.stats.by_scope.items()
        if label not in before and label.startswith(f"{FANOUT_DAG}/{dr.run_id}/per_item/")
    }
    assert sorted(per_instance) == list(range(N_ITEMS))
    for i, n in per_instance.items():
        item_bytes = len(json.dumps(module.make_item(i), separators=(",", ":")))
        # root header (256 B speculative read) + one 48 B index entry + the item itself
        assert item_bytes <= n <= item_bytes + 400, (i, n, item_bytes)
    whole = len(store.read_bytes(_xcom_value(FANOUT_DAG, dr.run_id, "first")["key"]))
    assert max(per_instance.values()) * 50 < whole


def _key_of(value) -> str:
    """The content key ``put`` would give ``value`` (computed without writing)."""
    from attune_provider.store import ResultStore

    return ResultStore.from_settings().encode_object(value)[0]


@pytest.fixture(scope="module")
def rerun_runs(dag_module):
    from attune_provider.store import ResultStore

    store = ResultStore.from_settings()
    live = dag_module.rerun_dag.test(logical_date=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    dead = dag_module.rerun_dag.test(logical_date=dt.datetime(2024, 3, 2, tzinfo=dt.UTC))
    return store, live, dead, dag_module


def test_retry_purges_the_first_try_object(rerun_runs) -> None:
    from airflow.models.taskinstancehistory import TaskInstanceHistory
    from airflow.utils.session import create_session
    from sqlalchemy import select

    store, live, _, module = rerun_runs
    assert live.state == "success"
    with create_session() as session:
        history = session.execute(
            select(
                TaskInstanceHistory.task_id, TaskInstanceHistory.try_number, TaskInstanceHistory.state
            ).where(TaskInstanceHistory.dag_id == RERUN_DAG, TaskInstanceHistory.run_id == live.run_id)
        ).all()
    assert [(n, str(state)) for t, n, state in history if t == "stamp"] == [(1, "failed")]
    ref = _xcom_value(RERUN_DAG, live.run_id, "stamp")
    assert store.load(ref["key"])["try"] == 2
    assert not store.exists(_key_of(module.first_try_value("stamp")))


def test_retry_keeps_an_object_another_row_references(rerun_runs) -> None:
    store, live, _, module = rerun_runs
    shared_first = _key_of(module.first_try_value("shared"))
    assert _xcom_value(RERUN_DAG, live.run_id, "twin")["key"] == shared_first
    assert store.exists(shared_first)
    assert store.load(_xcom_value(RERUN_DAG, live.run_id, "shared")["key"])["try"] == 2


def test_returned_view_shares_the_object(rerun_runs) -> None:
    _, live, _, _ = rerun_runs
    stamp = _xcom_value(RERUN_DAG, live.run_id, "stamp")
    passed = _xcom_value(RERUN_DAG, live.run_id, "passthrough")
    assert passed["key"] == stamp["key"] and passed["path"] == []


def test_gc_removes_objects_of_a_deleted_run_and_keeps_live_ones(rerun_runs) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import delete, select

    from attune_provider.store import RunVariables, collect

    store, second, other, _ = rerun_runs
    live_key = _xcom_value(RERUN_DAG, second.run_id, "stamp")["key"]
    dead_key = _xcom_value(RERUN_DAG, other.run_id, "stamp")["key"]
    RunVariables(store, RERUN_DAG, other.run_id).publish({"v": 1}, writer="t")
    RunVariables(store, RERUN_DAG, second.run_id).publish({"v": 2}, writer="t")
    with create_session() as session:
        session.execute(delete(DagRun).where(DagRun.dag_id == RERUN_DAG, DagRun.run_id == other.run_id))
    with create_session() as session:  # rows of the deleted run are gone with it (FK cascade)
        left = session.scalars(
            select(XComModel.key).where(XComModel.run_id == other.run_id, XComModel.dag_id == RERUN_DAG)
        ).all()
    assert left == []

    # nothing is old enough yet: a fresh unreferenced object is protected by the grace period
    fresh = collect(store, dry_run=False)
    assert dead_key not in fresh.deleted and store.exists(dead_key)

    # age the dead run's object, its holder markers, its var store, and the live object past the
    # grace period (the markers name a run that no longer exists: they hold nothing once old)
    old = time.time() - 7200
    for key in (dead_key, live_key):
        os.utime(store.object_path(key), (old, old))
        for marker in store.files.list_dir(store.files.path("holders", key)):
            os.utime(marker.path, (old, old))
    for run_id in (other.run_id, second.run_id):
        for info in store.files.find(RunVariables(store, RERUN_DAG, run_id).dir):
            os.utime(info.path, (old, old))

    dry = collect(store, dry_run=True)
    assert dead_key in dry.deleted and live_key not in dry.deleted
    assert store.exists(dead_key)
    assert f"{RERUN_DAG}/{other.run_id}" in dry.var_stores_deleted

    report = collect(store, dry_run=False)
    assert dead_key in report.deleted and live_key not in report.deleted
    assert not store.exists(dead_key)
    assert store.load(live_key)["try"] == 2
    assert RunVariables(store, RERUN_DAG, second.run_id).snapshot() == {"v": 2}
    assert RunVariables(store, RERUN_DAG, other.run_id).snapshot() == {}
    text = str(report)
    assert "deleted" in text and dead_key in text
    assert report.to_dict()["bytes_freed"] > 0
