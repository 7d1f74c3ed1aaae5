"""Garbage collection of store objects that nothing references any more (docs/result-store.md).

Airflow calls ``purge`` only when a task instance re-runs -- never when a DAG run is deleted or
``airflow db clean`` runs -- so objects of deleted runs stay behind until ``collect`` runs.

An object is kept when ANY of these holds, whatever grace period is asked for:

* an XCom row or the variable records of an existing DAG run reference it;
* it is **held**: a holder marker (``store.holders``) names a DAG run that still exists -- the
  XCom backend writes the marker before the object, so this covers a write whose XCom row is not
  committed yet (in flight);
* it, or one of its markers, was written within the grace period (a run created after the DB was
  queried, a dedupe hit refreshing an old object). The grace period is never shorter than
  ``MIN_GRACE_SECONDS``: a smaller value is raised to it, with a note in the report.

Order makes this safe while runs are active: the store is listed first, then the DB is queried
(an object written after the listing is no candidate); a candidate is moved aside, checked once
more (mtime, markers) and put back if anything claimed it meanwhile, and only then deleted.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from attune_provider.store.holders import Holders
from attune_provider.store.reference import KEY_RE, MARKER, iter_reference_keys
from attune_provider.store.result_store import REFRESH_AFTER_SECONDS, ResultStore
from attune_provider.store.variables import iter_run_stores

DEFAULT_GRACE_SECONDS = 3600.0
MIN_GRACE_SECONDS = REFRESH_AFTER_SECONDS + 300.0
"""Remote objects are re-written by a dedupe hit only when older than ``REFRESH_AFTER_SECONDS``;
the extra 5 minutes cover the time from that hit to the XCom row being committed."""


@dataclass
class GCReport:
    """What a collection found and did; ``str(report)`` is the CLI output."""

    dry_run: bool
    store_url: str
    grace_seconds: float
    requested_grace_seconds: float
    notes: list[str] = field(default_factory=list)
    scanned: int = 0
    referenced: int = 0
    held: int = 0
    kept_recent: int = 0
    deleted: list[str] = field(default_factory=list)
    bytes_freed: int = 0
    var_stores_deleted: list[str] = field(default_factory=list)
    leftovers_removed: int = 0
    objects_restored: list[str] = field(default_factory=list)
    duration_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_seconds"] = round(self.duration_seconds, 3)
        return data

    def __str__(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        lines = [f"attune store GC {'(dry run) ' if self.dry_run else ''}of {self.store_url}"]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [
            f"  objects scanned:      {self.scanned}",
            f"  still referenced:     {self.referenced}",
            f"  held by live runs:    {self.held}",
            f"  kept (grace {self.grace_seconds:g}s): {self.kept_recent}",
            f"  {verb}:{' ' * (21 - len(verb))}{len(self.deleted)} objects, {self.bytes_freed} bytes",
            f"  variable stores {verb} (deleted runs): {len(self.var_stores_deleted)}",
            f"  leftovers {verb} (interrupted writes/deletes): {self.leftovers_removed}",
            f"  objects restored from an interrupted delete: {len(self.objects_restored)}",
        ]
        lines += [f"    {k}" for k in self.deleted[:50]]
        if len(self.deleted) > 50:
            lines.append(f"    ... and {len(self.deleted) - 50} more")
        lines += [f"    vars {v}" for v in self.var_stores_deleted[:50]]
        return "\n".join(lines)


def effective_grace(requested: float) -> tuple[float, str | None]:
    """(grace period used, note) -- below ``MIN_GRACE_SECONDS`` is raised; negative is an error."""
    if requested != requested or requested < 0:
        raise ValueError(f"gc grace period must be a number of seconds >= 0, not {requested!r}")
    if requested < MIN_GRACE_SECONDS:
        return MIN_GRACE_SECONDS, (
            f"grace {requested:g}s is shorter than the {MIN_GRACE_SECONDS:g}s that protects results "
            f"whose XCom row is not committed yet; using {MIN_GRACE_SECONDS:g}s"
        )
    return float(requested), None


def collect(
    store: ResultStore | None = None,
    *,
    dry_run: bool,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
) -> GCReport:
    """Delete (or with ``dry_run`` only list) objects nothing references or holds.

    Needs the Airflow metadata DB (``airflow.settings``); raises if it cannot be queried rather
    than guessing that nothing is referenced.
    """
    store = store or ResultStore.from_settings()
    grace, note = effective_grace(grace_seconds)
    report = GCReport(dry_run, store.url, grace, grace_seconds, notes=[note] if note else [])
    started = time.time()
    cutoff = started - grace

    objects = list(store.iter_objects())  # 1. list first
    report.scanned = len(objects)
    referenced = xcom_referenced_keys()  # 2. then ask the DB
    live_runs = existing_runs()
    referenced |= _scan_var_stores(store, live_runs, cutoff, dry_run, report)
    holders = Holders(store)

    for obj in objects:
        key = obj.name
        if key in referenced:
            report.referenced += 1
        elif obj.mtime is None or obj.mtime > cutoff:
            report.kept_recent += 1
        elif _held(holders, key, live_runs, cutoff):
            report.held += 1
        elif dry_run or _delete_unless_claimed(store, holders, key, live_runs, cutoff):
            report.deleted.append(key)
            report.bytes_freed += obj.size
        else:
            report.held += 1
    _sweep_leftovers(store, holders, referenced, live_runs, cutoff, dry_run, report)
    report.duration_seconds = time.time() - started
    return report


def _sweep_leftovers(
    store: ResultStore,
    holders: Holders,
    referenced: set[str],
    live_runs: set[tuple[str, str]],
    cutoff: float,
    dry_run: bool,
    report: GCReport,
) -> None:
    """Temp files of interrupted writes, and objects an interrupted delete left in ``trash/``.

    A trashed object that is referenced or held is put back (a purge or collection died between
    its two steps); any other leftover is removed once older than the grace period.
    """
    for area in ("objects", "holders", "vars", "trash"):
        for info in store.files.find(store.files.path(area)):
            if area == "trash":
                key = info.name.split(".", 1)[0]
                if KEY_RE.match(key) and (key in referenced or _held(holders, key, live_runs, cutoff)):
                    if not dry_run:
                        store.put_back(key, info.path)
                    report.objects_restored.append(key)
                    continue
            elif not info.name.startswith(".tmp-"):
                continue
            if info.mtime is not None and info.mtime <= cutoff:
                if not dry_run:
                    store.files.remove(info.path)
                report.leftovers_removed += 1


def _held(holders: Holders, key: str, live_runs: set[tuple[str, str]], cutoff: float) -> bool:
    """A marker of an existing run, or any marker written within the grace period."""
    for marker in holders.markers(key):
        if (marker.dag_id, marker.run_id) in live_runs:
            return True
        if marker.file.mtime is None or marker.file.mtime > cutoff:
            return True
    return False


def _delete_unless_claimed(
    store: ResultStore, holders: Holders, key: str, live_runs: set[tuple[str, str]], cutoff: float
) -> bool:
    """Re-check, move the object aside, check again, then delete it or put it back; True if deleted.

    A local rename keeps the mtime, so a dedupe hit that touched the object between the two
    checks is seen on the moved file; an object store's move is a copy (new mtime), so there the
    check before the move and the markers after it decide (a writer's marker comes first).
    """
    current = store.object_info(key)
    if current is None or current.mtime is None or current.mtime > cutoff:
        return False
    aside = store.set_aside(key)
    if aside is None:
        return False  # deleted by someone else (purge) meanwhile
    touched = False
    if store.files.is_local:
        moved = store.files.info(aside)
        touched = moved is None or moved.mtime is None or moved.mtime > cutoff
    if touched or _held(holders, key, live_runs, cutoff):
        store.put_back(key, aside)
        return False
    store.discard(aside)
    holders.forget(key)
    return True


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
    """Keys referenced by variable records of live runs; stores of deleted runs are removed."""
    keys: set[str] = set()
    for run in iter_run_stores(store):
        if (run.dag_id, run.run_id) in live_runs:
            for info in run.files:
                try:
                    keys.update(iter_reference_keys(json.loads(store.files.read(info.path))))
                except (ValueError, FileNotFoundError):
                    continue
            continue
        newest = max((i.mtime or float("inf") for i in run.files), default=0.0)
        if newest > cutoff:
            continue
        if not dry_run:
            store.files.remove_tree(run.dir)
        report.var_stores_deleted.append(f"{run.dag_id}/{run.run_id}")
    return keys


__all__ = ["DEFAULT_GRACE_SECONDS", "MIN_GRACE_SECONDS", "GCReport", "collect", "effective_grace"]
