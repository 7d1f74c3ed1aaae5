"""Issue 12 item 3: GC looping with ``--grace 0`` while a with_items run writes its results.

Before the fix, ``gc --grace 0`` deleted objects in the window between an object write and its
XCom row (the run then failed with ObjectNotFoundError). Here the collector runs in a loop
during a real ``dag.test()`` of a 30-item ``with_items`` workflow, and before every pass it
ages EVERY object and holder marker by two hours -- so neither the grace period nor an mtime
protects anything: only references and holder markers of the live run can. The run must
succeed, every object its XCom rows reference must still be readable, and the garbage objects
planted before the run must be collected (the loop really deletes).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from attune_provider.actions.registry import ActionRegistry
from attune_provider.store import ResultStore, collect, iter_reference_keys
from tests.runtime.helpers import COMPILED, compile_text, install_dag_file, run_dag

pytestmark = pytest.mark.airflow

N_ITEMS = 30

WORKFLOW = """
ref: gcrace.items
tasks:
  - name: fetch
    action: gcrace.list
    next:
      - do: [each]
  - name: each
    action: gcrace.item
    with_items: "{{ task.fetch.items }}"
    input:
      n: "{{ item }}"
    next:
      - do: [total]
  - name: total
    action: gcrace.total
    input:
      values: "{{ task.each | map(attribute='n') | list }}"
output_map:
  ns: "{{ task.total.ns }}"
"""


@pytest.fixture
def private_store(airflow_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ResultStore:
    """The configured store of this test only, so the collector never touches other tests' data."""
    monkeypatch.setenv("AIRFLOW__ATTUNE__STORE_URL", (tmp_path / "race-store").as_uri())
    path = install_dag_file(airflow_db / "dags")
    yield ResultStore.from_settings()
    path.unlink(missing_ok=True)
    COMPILED.clear()


def _age_everything(root: Path, seconds: float) -> None:
    """Objects and holder markers (plain files on this file:// store) written ``seconds`` ago."""
    old = time.time() - seconds
    for area in ("objects", "holders"):
        for path in (root / area).rglob("[!.]*"):  # not the .tmp-* files of writes in progress
            try:
                os.utime(path, (old, old))
            except FileNotFoundError:
                continue


def _run_keys(dag_id: str, run_id: str) -> set[str]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        values = session.scalars(
            select(XComModel.value).where(XComModel.dag_id == dag_id, XComModel.run_id == run_id)
        ).all()
    return {key for value in values for key in iter_reference_keys(value)}


def test_gc_loop_during_a_with_items_run_deletes_nothing_live(private_store: ResultStore, tmp_path: Path) -> None:
    store = private_store
    registry = ActionRegistry(packs_folders=[], entry_point_group=None, pack_entry_point_group=None)
    registry.register("gcrace.list", lambda: {"items": list(range(N_ITEMS))})
    registry.register("gcrace.item", lambda n: {"n": n, "pad": "x" * 200})
    registry.register("gcrace.total", lambda values: {"ns": values})
    dag = compile_text(tmp_path, "gcrace", WORKFLOW, registry)
    garbage = {store.put({"garbage": i}) for i in range(3)}

    done = threading.Event()
    deleted: set[str] = set()
    passes: list[int] = []
    errors: list[BaseException] = []

    def gc_loop() -> None:
        while not done.is_set():
            try:
                _age_everything(tmp_path / "race-store", 7200)
                report = collect(store, dry_run=False, grace_seconds=0)
            except BaseException as exc:  # reported after the run
                errors.append(exc)
                return
            deleted.update(report.deleted)
            passes.append(len(report.deleted))
            time.sleep(0.02)

    collector = threading.Thread(target=gc_loop, daemon=True)
    collector.start()
    try:
        report = run_dag(dag)
    finally:
        done.set()
        collector.join(timeout=60)

    assert errors == []
    print(f"\ngc passes during the run: {len(passes)}, objects deleted: {len(deleted)}")
    assert len(passes) >= 3, "the collector must have run several passes during the run"
    assert garbage <= deleted, "the loop must really delete unreferenced, unheld objects"
    assert report.state == "success", report.states
    assert report.output["ns"] == list(range(N_ITEMS))
    live = _run_keys(dag.dag_id, report.run_id)
    assert len(live) >= N_ITEMS
    assert not live & deleted
    for key in live:
        store.load_plain(key)  # still there, and intact
