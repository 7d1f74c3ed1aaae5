"""Garbage collection of store objects that no XCom row references any more (SPEC 12.5).

Airflow calls ``purge`` only when a task instance re-runs -- never when a DAG run is deleted or
``airflow db clean`` runs -- so objects of deleted runs stay behind until ``collect`` runs.

Safe while runs are active:

1. the store is listed FIRST, then the metadata DB is queried: an object written after the
   listing is not a candidate at all;
2. an object whose mtime is within ``grace_seconds`` of the scan start (or after it) is kept, and
   every candidate is stat'ed again right before deletion;
3. ``ResultStore.put`` refreshes the mtime of an existing object older than
   ``REFRESH_AFTER_SECONDS`` when a new task stores the same content again, so with
   ``grace_seconds >= REFRESH_AFTER_SECONDS`` (the default) a dedupe hit whose XCom row is not yet
   committed is never collected.

Variable stores (``vars/<dag>/<run>/``) of DAG runs that no longer exist are deleted too (after
the same grace period); those of existing runs are scanned for references.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from attune_provider.store.holders import Holders
from attune_provider.store.reference import MARKER, iter_reference_keys
from attune_provider.store.result_store import REFRESH_AFTER_SECONDS, ResultStore, _mtime
from attune_provider.store.variables import VARS_DIR

DEFAULT_GRACE_SECONDS = 3600.0


@dataclass
class GCReport:
    """What a collection found and did; ``str(report)`` is the CLI output."""

    dry_run: bool
    store_url: str
    grace_seconds: float
    scanned: int = 0
    referenced: int = 0
    kept_recent: int = 0
    deleted: list[str] = field(default_factory=list)
    bytes_freed: int = 0
    var_stores_deleted: list[str] = field(default_factory=list)
    duration_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "store_url": self.store_url,
            "grace_seconds": self.grace_seconds,
            "scanned": self.scanned,
            "referenced": self.referenced,
            "kept_recent": self.kept_recent,
            "deleted": list(self.deleted),
            "bytes_freed": self.bytes_freed,
            "var_stores_deleted": list(self.var_stores_deleted),
            "duration_seconds": round(self.duration_seconds, 3),
        }

    def __str__(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        lines = [
            f"attune store GC {'(dry run) ' if self.dry_run else ''}of {self.store_url}",
            f"  objects scanned:      {self.scanned}",
            f"  still referenced:     {self.referenced}",
            f"  kept (grace {self.grace_seconds:g}s): {self.kept_recent}",
            f"  {verb}:{' ' * (21 - len(verb))}{len(self.deleted)} objects, {self.bytes_freed} bytes",
            f"  variable stores {verb} (deleted runs): {len(self.var_stores_deleted)}",
        ]
        lines += [f"    {k}" for k in self.deleted[:50]]
        if len(self.deleted) > 50:
            lines.append(f"    ... and {len(self.deleted) - 50} more")
        lines += [f"    vars {v}" for v in self.var_stores_deleted[:50]]
        return "\n".join(lines)


def collect(
    store: ResultStore | None = None,
    *,
    dry_run: bool,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
) -> GCReport:
    """Delete (or with ``dry_run`` only list) objects no XCom row or live variable store references.

    Needs the Airflow metadata DB (``airflow.settings``); raises if it cannot be queried rather
    than guessing that nothing is referenced.
    """
    store = store or ResultStore.from_settings()
    report = GCReport(dry_run=dry_run, store_url=store.url, grace_seconds=grace_seconds)
    started = time.time()
    cutoff = started - grace_seconds

    objects = list(store.iter_objects())  # 1. list first
    report.scanned = len(objects)
    referenced = xcom_referenced_keys()  # 2. then ask the DB
    live_runs = existing_runs()
    referenced |= _scan_var_stores(store, live_runs, cutoff, dry_run, report)

    for obj in objects:
        if obj.key in referenced:
            report.referenced += 1
            continue
        if obj.mtime is None or obj.mtime > cutoff:
            report.kept_recent += 1
            continue
        if not dry_run:
            info = store._info(store.object_path(obj.key))  # 3. re-check right before deleting
            if info is None:
                continue
            mtime = _mtime(info)
            if mtime is None or mtime > cutoff:
                report.kept_recent += 1
                continue
            store.delete(obj.key)
            Holders(store).forget(obj.key)
        report.deleted.append(obj.key)
        report.bytes_freed += obj.size
    report.duration_seconds = time.time() - started
    return report


def xcom_referenced_keys() -> set[str]:
    """Every store key referenced by any row of Airflow's ``xcom`` table."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import String, cast, select

    keys: set[str] = set()
    stmt = select(XComModel.value).where(cast(XComModel.value, String).like(f"%{MARKER}%"))
    with create_session() as session:
        for (value,) in session.execute(stmt):
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    continue
            keys.update(iter_reference_keys(value))
    return keys


def existing_runs() -> set[tuple[str, str]]:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return {(d, r) for d, r in session.execute(select(DagRun.dag_id, DagRun.run_id))}


def _scan_var_stores(
    store: ResultStore, live_runs: set[tuple[str, str]], cutoff: float, dry_run: bool, report: GCReport
) -> set[str]:
    keys: set[str] = set()
    base = f"{store.root}/{VARS_DIR}"
    try:
        dag_dirs = store.fs.ls(base, detail=False)
    except FileNotFoundError:
        return keys
    for dag_dir in dag_dirs:
        dag_id = unquote(str(dag_dir).rstrip("/").rsplit("/", 1)[-1])
        try:
            run_dirs = store.fs.ls(dag_dir, detail=False)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for run_dir in run_dirs:
            run_id = unquote(str(run_dir).rstrip("/").rsplit("/", 1)[-1])
            files = store.fs.find(run_dir, detail=True)
            if (dag_id, run_id) in live_runs:
                for path in files:
                    try:
                        keys.update(iter_reference_keys(json.loads(store.fs.cat_file(path))))
                    except (ValueError, FileNotFoundError):
                        continue
                continue
            newest = max((_mtime(i) or float("inf") for i in files.values()), default=0.0)
            if newest > cutoff:
                continue
            if not dry_run:
                store.fs.rm(run_dir, recursive=True)
            report.var_stores_deleted.append(f"{dag_id}/{run_id}")
    return keys


__all__ = ["DEFAULT_GRACE_SECONDS", "REFRESH_AFTER_SECONDS", "GCReport", "collect"]
