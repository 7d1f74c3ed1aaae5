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

Several metadata databases may share one store (``store.registry``): each is a registrant with
a lease. A marker names its registrant; a ``gc`` judges only its own registrant's markers (and
removes those of its deleted runs), keeps every object another registrant's marker holds, and
deletes an object only when every other registrant's published references (taken a grace period
after the object was last written) do not name it. An expired lease is reported and still
protects; ``forget`` (``--forget-registrant``) names expired registrants to treat as gone.

Order makes this safe while runs are active: the store is listed first, then the DB is queried
(an object written after the listing is no candidate); a candidate is moved aside, checked once
more (mtime, markers) and put back if anything claimed it meanwhile, and only then deleted.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from attune_provider.store.holders import Holders, Marker
from attune_provider.store.metadata_db import MetadataDB
from attune_provider.store.reference import KEY_RE, iter_reference_keys
from attune_provider.store.registry import Registrant, Registry, lease_seconds
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
    registrant: str = ""
    registrants: list[dict[str, Any]] = field(default_factory=list)
    held_by_other_registrants: int = 0
    kept_unpublished: int = 0
    var_stores_of_other_registrants: int = 0
    stale_markers_removed: int = 0
    forgotten: list[str] = field(default_factory=list)
    duration_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_seconds"] = round(self.duration_seconds, 3)
        return data

    def __str__(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        lines = [f"attune store GC {'(dry run) ' if self.dry_run else ''}of {self.store_url}"]
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(f"  this database: registrant {self.registrant}")
        for r in self.registrants:
            lines.append(
                f"  other registrant {r['id']} ({r['db'] or 'database URL not recorded'}): {r['status']}, "
                f"last seen {r['away_seconds']:.0f}s ago, "
                + (
                    f"references published {r['refs_age_seconds']:.0f}s ago"
                    if r["refs_age_seconds"] is not None
                    else "has never published its references (run attune-airflow gc there)"
                )
            )
        lines += [
            f"  objects scanned:      {self.scanned}",
            f"  still referenced:     {self.referenced}",
            f"  held by live runs:    {self.held}",
            f"  held by other registrants: {self.held_by_other_registrants}",
            f"  kept (other registrants' published references do not rule them out): {self.kept_unpublished}",
            f"  kept (grace {self.grace_seconds:g}s): {self.kept_recent}",
            f"  {verb}:{' ' * (21 - len(verb))}{len(self.deleted)} objects, {self.bytes_freed} bytes",
            f"  variable stores {verb} (deleted runs): {len(self.var_stores_deleted)}",
            f"  leftovers {verb} (interrupted writes/deletes): {self.leftovers_removed}",
            f"  objects restored from an interrupted delete: {len(self.objects_restored)}",
            f"  variable stores kept for other registrants: {self.var_stores_of_other_registrants}",
            f"  own markers of deleted runs removed: {self.stale_markers_removed}",
        ]
        lines += [f"  forgot expired registrant {r}" for r in self.forgotten]
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


@dataclass
class _Judge:
    """Who holds what: this registrant's live runs, the other registrants and the cutoff."""

    me: str
    live_runs: set[tuple[str, str]]
    cutoff: float
    grace: float
    others: list[Registrant]  # not forgotten
    forgotten: set[str]

    @property
    def shared(self) -> bool:
        return bool(self.others)

    def holder(self, markers: list[Marker], stale: list[str] | None = None) -> str | None:
        """Why an object with these markers is held ("run", "recent", "other", "legacy") or None;
        own markers of deleted runs are appended to ``stale``."""
        reason = None
        for marker in markers:
            if marker.file.mtime is None or marker.file.mtime > self.cutoff:
                return "recent"
            owner = marker.registrant
            if owner in self.forgotten:
                continue
            if owner is not None and owner != self.me:
                reason = reason or "other"  # only its own gc can tell whether its run exists
                continue
            if (marker.dag_id, marker.run_id) in self.live_runs:
                return "run"
            if owner is None and self.shared:
                reason = reason or "legacy"  # written before registrants: whose run is unknown
            elif stale is not None:
                stale.append(marker.file.path)
        return reason

    def unpublished_by(self, key: str, mtime: float | None) -> str | None:
        """Another registrant whose published references do not rule ``key`` out, or None.

        Asked only for objects without any marker (written before markers existed, or by a write
        without a task identity): who references those is known only to each registrant's DB.
        """
        for other in self.others:
            if other.refs_time is None or key in other.refs:
                return other.id
            if mtime is None or mtime > other.refs_time - self.grace:
                return other.id
        return None


def _judge_registrants(
    registry: Registry, db: MetadataDB, forget: set[str], started: float, report: GCReport
) -> tuple[list[Registrant], set[str]]:
    """(other registrants still protecting their objects, registrants forgotten) + report lines."""
    lease = lease_seconds()
    others = [r for r in registry.registrants() if r.id != db.registrant]
    known = {r.id for r in others}
    unknown = forget - known
    if unknown:
        raise ValueError(
            f"--forget-registrant {', '.join(sorted(unknown))}: no such registrant in {registry.store.url}"
        )
    for r in others:
        expired = r.away_seconds(started) > lease
        report.registrants.append(
            {
                "id": r.id,
                "db": r.db,
                "status": "lease expired" if expired else "live",
                "away_seconds": round(r.away_seconds(started), 1),
                "refs_age_seconds": None if r.refs_time is None else round(started - r.refs_time, 1),
            }
        )
        if r.id in forget and not expired:
            raise ValueError(
                f"registrant {r.id} renewed its lease {r.away_seconds(started):.0f}s ago (lease {lease:g}s): "
                "only a registrant whose lease expired can be forgotten"
            )
        if expired and r.id not in forget:
            report.notes.append(
                f"registrant {r.id} ({r.db or 'database URL not recorded'}) was last seen "
                f"{r.away_seconds(started):.0f}s ago: its lease ({lease:g}s) expired. What it holds is kept; "
                f"if that deployment is gone, run gc with --forget-registrant {r.id}"
            )
    report.forgotten = sorted(forget)
    return [r for r in others if r.id not in forget], set(forget)


def collect(
    store: ResultStore | None = None,
    *,
    dry_run: bool,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    forget: tuple[str, ...] | list[str] = (),
    db: MetadataDB | None = None,
) -> GCReport:
    """Delete (or with ``dry_run`` only list) objects no registrant references or holds.

    ``db`` is the metadata DB this collection speaks for (default: this process's). Raises if it
    cannot be queried rather than guessing that nothing is referenced; ``forget`` names expired
    registrants to treat as gone (a live one is refused).
    """
    store = store or ResultStore.from_settings()
    db = db or MetadataDB.configured()
    grace, note = effective_grace(grace_seconds)
    report = GCReport(dry_run, store.url, grace, grace_seconds, notes=[note] if note else [])
    report.registrant = db.registrant
    started = time.time()
    cutoff = started - grace
    registry = Registry(store)
    registry.beat(db.registrant, db=db.description, by="gc", now=started)
    others, forgotten = _judge_registrants(registry, db, set(forget), started, report)

    objects = list(store.iter_objects())  # 1. list first
    report.scanned = len(objects)
    referenced = db.referenced_keys()  # 2. then ask the DB
    live_runs = db.existing_runs()
    judge = _Judge(db.registrant, live_runs, cutoff, grace, others, forgotten)
    referenced |= _scan_var_stores(store, judge, dry_run, report)
    if not dry_run:
        registry.publish(db.registrant, referenced, started)
    holders = Holders(store)

    for obj in objects:
        key = obj.name
        stale: list[str] = []
        if key in referenced:
            report.referenced += 1
        elif obj.mtime is None or obj.mtime > cutoff:
            report.kept_recent += 1
        elif (reason := judge.holder(markers := holders.markers(key), stale)) is not None:
            if reason == "other":
                report.held_by_other_registrants += 1
            else:
                report.held += 1
        elif not markers and judge.unpublished_by(key, obj.mtime) is not None:
            report.kept_unpublished += 1
        elif dry_run or _delete_unless_claimed(store, holders, key, judge):
            report.deleted.append(key)
            report.bytes_freed += obj.size
            continue
        else:
            report.held += 1
        if stale and not dry_run:  # own markers of deleted runs: let other registrants collect it
            report.stale_markers_removed += sum(store.files.remove(path) for path in stale)
    _sweep_leftovers(store, holders, referenced, judge, dry_run, report)
    if not dry_run:
        for registrant in forgotten:
            registry.forget(registrant)
    report.duration_seconds = time.time() - started
    return report


def _sweep_leftovers(
    store: ResultStore,
    holders: Holders,
    referenced: set[str],
    judge: _Judge,
    dry_run: bool,
    report: GCReport,
) -> None:
    """Temp files of interrupted writes, and objects an interrupted delete left in ``trash/``.

    A trashed object that is referenced or held is put back (a purge or collection died between
    its two steps); any other leftover is removed once older than the grace period.
    """
    for area in ("objects", "holders", "vars", "trash", "registry"):
        for info in store.files.find(store.files.path(area)):
            if area == "trash":
                key = info.name.split(".", 1)[0]
                if KEY_RE.match(key) and (key in referenced or _claimed(judge, holders, key)):
                    if not dry_run:
                        store.put_back(key, info.path)
                    report.objects_restored.append(key)
                    continue
            elif not info.name.startswith(".tmp-"):
                continue
            if info.mtime is not None and info.mtime <= judge.cutoff:
                if not dry_run:
                    store.files.remove(info.path)
                report.leftovers_removed += 1


def _claimed(judge: _Judge, holders: Holders, key: str) -> bool:
    """A marker holds ``key``, or it has none and another registrant may reference it."""
    markers = holders.markers(key)
    return judge.holder(markers) is not None or (not markers and judge.unpublished_by(key, 0.0) is not None)


def _delete_unless_claimed(store: ResultStore, holders: Holders, key: str, judge: _Judge) -> bool:
    """Re-check, move the object aside, check again, then delete it or put it back; True if deleted.

    A local rename keeps the mtime, so a dedupe hit that touched the object between the two
    checks is seen on the moved file; an object store's move is a copy (new mtime), so there the
    check before the move and the markers after it decide (a writer's marker comes first).
    """
    cutoff = judge.cutoff
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
    if touched or _claimed(judge, holders, key):
        store.put_back(key, aside)
        return False
    store.discard(aside)
    holders.forget(key)
    return True


def _scan_var_stores(store: ResultStore, judge: _Judge, dry_run: bool, report: GCReport) -> set[str]:
    """Keys referenced by variable records of live runs; stores of deleted runs are removed.

    A store with a record of another registrant (or, in a shared store, a record written before
    registrants) is not this database's to judge: it is kept.
    """
    keys: set[str] = set()
    for run in iter_run_stores(store):
        live = (run.dag_id, run.run_id) in judge.live_runs
        owners: set[str | None] = set()
        for info in run.files:
            try:
                record = json.loads(store.files.read(info.path))
            except (ValueError, FileNotFoundError):
                continue
            if isinstance(record, dict):
                owners.add(record.get("registrant"))
            if live:
                keys.update(iter_reference_keys(record))
        if live:
            continue
        foreign = {o for o in owners if o != judge.me and o not in judge.forgotten}
        if foreign - {None} or (None in foreign and judge.shared):
            report.var_stores_of_other_registrants += 1
            continue
        newest = max((i.mtime or float("inf") for i in run.files), default=0.0)
        if newest > judge.cutoff:
            continue
        if not dry_run:
            store.files.remove_tree(run.dir)
        report.var_stores_deleted.append(f"{run.dag_id}/{run.run_id}")
    return keys


__all__ = ["DEFAULT_GRACE_SECONDS", "MIN_GRACE_SECONDS", "GCReport", "collect", "effective_grace"]
