"""Issue 22, point 1: several metadata databases (homes) share one store; gc of one deletes
nothing another still holds.

Three real homes, each with its own SQLite metadata DB: A is the test session's home; B and C
are copies of its freshly created DB (the schema costs seconds to create, a copy milliseconds),
emptied of runs. Each home writes results the way its tasks do (``AttuneXComBackend
.serialize_value`` and ``RunVariables``, with ``[attune] store_registrant`` set as that home's
processes compute it). C has been away longer than the grace period, and longer than its lease.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from attune_provider.store import ResultStore, RunVariables, collect
from attune_provider.store.settings import store_settings
from attune_provider.xcom import AttuneXComBackend

HOURS = 3600.0


@dataclass
class Home:
    name: str
    home: Path
    url: str
    registrant: str


def _registrant(url: str) -> str:
    try:
        from attune_provider.store.registry import registrant_for
    except ImportError:  # the code before issue 22 had no registrants
        return f"old-{abs(hash(url))}"
    return registrant_for(url)


def _clear_caches() -> None:
    store_settings.cache_clear()
    try:
        from attune_provider.store.registry import _LAST_BEAT, current_registrant
    except ImportError:
        return
    current_registrant.cache_clear()
    _LAST_BEAT.clear()


@pytest.fixture(scope="module")
def homes(airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Home]:
    """Home A (this session's) and two more homes whose DBs are emptied copies of it."""
    found = {"A": Home("A", airflow_db, os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], "")}
    for name in ("B", "C"):
        home = tmp_path_factory.mktemp(f"home-{name}")
        with sqlite3.connect(airflow_db / "airflow.db") as source, sqlite3.connect(home / "airflow.db") as db:
            source.backup(db)  # a consistent copy, whatever is still in the write-ahead log
            for table in ("xcom", "task_instance", "dag_run"):
                db.execute(f"DELETE FROM {table}")
        found[name] = Home(name, home, f"sqlite:///{home}/airflow.db", "")
    for h in found.values():
        h.registrant = _registrant(h.url)
    return found


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ResultStore]:
    store = ResultStore((tmp_path / "shared-store").as_uri())
    monkeypatch.setenv("AIRFLOW__ATTUNE__STORE_URL", store.url)
    _clear_caches()
    yield store
    _clear_caches()


def _as(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process write as ``home``'s tasks do."""
    monkeypatch.setenv("AIRFLOW__ATTUNE__STORE_REGISTRANT", home.registrant)
    _clear_caches()


def _add_run(home: Home, dag_id: str, run_id: str) -> None:
    from airflow.models.dagrun import DagRun
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    with Session(create_engine(home.url)) as session, session.begin():
        session.add(DagRun(dag_id=dag_id, run_id=run_id, run_type="manual", state="running"))


def _write_results(home: Home, dag_id: str, run_id: str, count: int) -> list[str]:
    keys = []
    for i in range(count):
        ref = AttuneXComBackend.serialize_value(
            {"home": home.name, "run": run_id, "item": i},
            key="return_value",
            dag_id=dag_id,
            run_id=run_id,
            task_id=f"t{i}",
        )
        keys.append(ref["__attune_ref__"] and ref["key"])
    RunVariables(ResultStore.from_settings(), dag_id, run_id).publish({"from": home.name}, writer="t0")
    return keys


def _age_everything(store: ResultStore, seconds: float) -> None:
    old = time.time() - seconds
    for area in ("objects", "holders", "vars"):
        for info in store.files.find(store.files.path(area)):
            os.utime(info.path, (old, old))


def _intact(store: ResultStore, keys: list[str]) -> int:
    fresh = ResultStore(store.url)
    return sum(1 for k in keys if fresh.exists(k) and fresh.load_plain(k)["item"] >= 0)


def test_gc_of_one_home_keeps_every_object_of_the_others(
    homes: dict[str, Home], shared: ResultStore, monkeypatch: pytest.MonkeyPatch, corpus_counts
) -> None:
    """Failed before the fix: gc from A deleted B's 70 objects and 3 variable stores (A's DB knows
    nothing of B's runs)."""
    a, b = homes["A"], homes["B"]
    _as(b, monkeypatch)
    b_keys = []
    for run in ("manual__b1", "manual__b2", "manual__b3"):
        _add_run(b, "dag_b", run)
        b_keys += _write_results(b, "dag_b", run, 70 // 3 + (run == "manual__b1"))
    assert len(b_keys) == 70
    _as(a, monkeypatch)
    a_orphans = _write_results(a, "dag_a", "manual__deleted_in_a", 5)  # no such run in A's DB
    _age_everything(shared, 2 * HOURS)

    report = collect(shared, dry_run=False, grace_seconds=HOURS)

    kept = _intact(shared, b_keys)
    corpus_counts.record(
        "shared-store gc: other home's objects", len(b_keys), "deleted while live", len(b_keys) - kept
    )
    assert kept == 70, f"gc from A deleted {70 - kept} of B's live objects"
    assert [f"dag_b/{r}" for r in ("manual__b1", "manual__b2", "manual__b3")] == sorted(
        f"{s.dag_id}/{s.run_id}" for s in _var_stores(shared) if s.dag_id == "dag_b"
    ), f"gc from A deleted B's variable stores: {report.var_stores_deleted}"
    assert sorted(report.deleted) == sorted(a_orphans)  # A's own garbage still goes


def _var_stores(store: ResultStore) -> list:
    from attune_provider.store.variables import iter_run_stores

    return list(iter_run_stores(store))


def test_three_homes_leases_and_published_references(
    homes: dict[str, Home], shared: ResultStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B is live, C has been away for three days (longer than the grace period and its one-day
    lease): gc from any home keeps what the others hold, reports C's expired lease, and only an
    explicit --forget-registrant releases C's objects."""
    from attune_provider.store.metadata_db import MetadataDB
    from attune_provider.store.registry import Registry

    monkeypatch.setenv("AIRFLOW__ATTUNE__STORE_LEASE_SECONDS", str(24 * HOURS))
    a, b, c = homes["A"], homes["B"], homes["C"]
    db = {h.name: MetadataDB.at(h.url) for h in (a, b, c)}
    _add_run(a, "dag_a", "manual__a_live")
    _add_run(b, "dag_b", "manual__b_live")
    _add_run(c, "dag_c", "manual__c_live")
    _as(a, monkeypatch)
    a_live = _write_results(a, "dag_a", "manual__a_live", 4)
    a_gone = _write_results(a, "dag_a", "manual__a_deleted", 3)
    _as(b, monkeypatch)
    b_live = _write_results(b, "dag_b", "manual__b_live", 4)
    b_gone = _write_results(b, "dag_b", "manual__b_deleted", 2)
    _as(c, monkeypatch)
    c_live = _write_results(c, "dag_c", "manual__c_live", 4)
    _age_everything(shared, 2 * HOURS)
    Registry(shared).beat(c.registrant, db=c.url, by="gc", now=time.time() - 72 * HOURS)  # C went away

    from_b = collect(shared, dry_run=False, grace_seconds=HOURS, db=db["B"])
    assert sorted(from_b.deleted) == sorted(b_gone)
    assert from_b.held_by_other_registrants == len(a_live) + len(a_gone) + len(c_live)
    assert from_b.stale_markers_removed == 0
    statuses = {r["id"]: r["status"] for r in from_b.registrants}
    assert statuses == {a.registrant: "live", c.registrant: "lease expired"}
    assert any(f"--forget-registrant {c.registrant}" in note for note in from_b.notes)
    assert f"other registrant {c.registrant}" in str(from_b) and "lease expired" in str(from_b)

    from_a = collect(shared, dry_run=False, grace_seconds=HOURS, db=db["A"])
    assert sorted(from_a.deleted) == sorted(a_gone)
    assert _intact(shared, a_live + b_live + c_live) == 12

    with pytest.raises(ValueError, match="only a registrant whose lease expired"):
        collect(shared, dry_run=True, grace_seconds=HOURS, db=db["A"], forget=[b.registrant])
    with pytest.raises(ValueError, match="no such registrant"):
        collect(shared, dry_run=True, grace_seconds=HOURS, db=db["A"], forget=["db-nobody"])

    forgot = collect(shared, dry_run=False, grace_seconds=HOURS, db=db["A"], forget=[c.registrant])
    assert sorted(forgot.deleted) == sorted(c_live) and forgot.forgotten == [c.registrant]
    assert "dag_c" not in {s.dag_id for s in _var_stores(shared)}
    assert c.registrant not in {r.id for r in Registry(shared).registrants()}
    assert _intact(shared, a_live + b_live) == 8


def test_an_unmarked_object_waits_for_every_registrants_published_references(
    homes: dict[str, Home], shared: ResultStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An object without a holder marker (written before markers) is deleted only once every other
    registrant has published references, taken a grace period after it was written, that do not
    name it."""
    from attune_provider.store.metadata_db import MetadataDB
    from attune_provider.store.registry import Registry

    a, b = homes["A"], homes["B"]
    legacy = shared.put({"written": "before markers"})
    _age_everything(shared, 2 * HOURS)
    Registry(shared).beat(b.registrant)  # B's tasks wrote; B never ran gc
    first = collect(shared, dry_run=False, grace_seconds=HOURS, db=MetadataDB.at(a.url))
    assert first.deleted == [] and first.kept_unpublished == 1 and shared.exists(legacy)
    assert "has never published its references" in str(first)

    # A's published references were taken before the object was a grace period old: B keeps it
    Registry(shared).publish(a.registrant, set(), taken_at=time.time() - 2.5 * HOURS)
    early = collect(shared, dry_run=False, grace_seconds=HOURS, db=MetadataDB.at(b.url))
    assert early.deleted == [] and early.kept_unpublished == 1

    # B's references (published by that gc, taken 2 h after the object was written) rule it out
    late = collect(shared, dry_run=False, grace_seconds=HOURS, db=MetadataDB.at(a.url))
    assert late.deleted == [legacy] and not shared.exists(legacy)


def test_a_task_process_with_airflows_blocked_db_url_is_no_registrant(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow 3 task processes see ``airflow-db-not-allowed:///`` instead of the DB URL; hashing
    it made every deployment's tasks one bogus 'live' registrant that kept every unmarked object
    (found when a CLI run with Airflow's processes left gc unable to delete an orphan)."""
    from attune_provider.store.registry import current_registrant

    monkeypatch.delenv("AIRFLOW__ATTUNE__STORE_REGISTRANT", raising=False)
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "airflow-db-not-allowed:///")
    current_registrant.cache_clear()
    try:
        assert current_registrant() is None
        monkeypatch.setenv("AIRFLOW__ATTUNE__STORE_REGISTRANT", "production")
        current_registrant.cache_clear()
        assert current_registrant() == "production"  # the documented way for shared stores
    finally:
        current_registrant.cache_clear()


def test_one_database_is_one_registrant_whatever_its_connection_options() -> None:
    """The CLI reaches its SQLite DB as ``...airflow.db?timeout=60``, its Airflow processes without
    the option: two ids for one DB made gc keep every unmarked object as another 'live' home's."""
    from attune_provider.store.registry import registrant_for

    home = "sqlite:////tmp/home/airflow.db"
    assert registrant_for(home + "?timeout=60") == registrant_for(home) == registrant_for("sqlite:////tmp/home/airflow.db?check_same_thread=False")
    assert registrant_for("postgresql://a:pw1@db/prod?connect_timeout=5") == registrant_for("postgresql://a:pw2@db/prod")
    assert registrant_for("postgresql://a@db/prod") != registrant_for("postgresql://a@db/staging")
    # an option that names the database (ODBC) still counts
    odbc = "mssql+pyodbc:///?odbc_connect="
    assert registrant_for(odbc + "DSN%3Dprod") != registrant_for(odbc + "DSN%3Dstaging")


def test_the_lease_file_never_holds_the_database_password() -> None:
    """The registry's ``db`` field is read by every user of a shared store: no password in it."""
    from attune_provider.store.registry import sanitized_db_url

    shown = sanitized_db_url("postgresql://airflow:s3cr3t-db-pw@db:5432/prod?connect_timeout=5")
    assert "s3cr3t-db-pw" not in shown and "db:5432/prod" in shown
