"""Which metadata databases use a store, and whether each is still alive (docs/result-store.md).

Several Airflow deployments may share one store (staging and production on one bucket, local
homes on one folder). Each metadata database is a **registrant**: its id is ``[attune]
store_registrant`` or, by default, a hash of its ``sql_alchemy_conn`` without the password --
something every scheduler, worker and CLI of that deployment computes alike, without a DB query.

* ``registry/<id>.json`` is the registrant's **lease**: the time of its last heartbeat, written by
  task writes (at most once per ``store_heartbeat_seconds`` per process) and by every ``gc`` run.
* ``registry/<id>.refs.json`` is its **published references**: the keys its database referenced
  when its last ``gc`` ran, and when that was. Another registrant's ``gc`` deletes an object that
  carries no holder marker only when every other registrant has published references that do
  not name it and were taken at least a grace period after the object was last written.

A lease older than ``store_lease_seconds`` is *expired*: ``gc`` lists it and still keeps what the
registrant holds, until an operator names it with ``--forget-registrant`` (nothing is assumed dead
silently).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass

from attune_provider.store.result_store import ResultStore

log = logging.getLogger(__name__)

REGISTRY_DIR = "registry"

_LAST_BEAT: dict[tuple[str, str], float] = {}
_BEAT_LOCK = threading.Lock()


#: URL options that tune a connection but never choose the database: one DB reached with or
#: without them (the CLI adds ``?timeout=60`` to SQLite, its Airflow processes may not) is one registrant
CONNECTION_TUNING_OPTIONS = frozenset(
    {"timeout", "connect_timeout", "check_same_thread", "application_name", "sslmode", "charset"}
)


def sanitized_db_url(conn: str, *, drop_options: frozenset[str] = frozenset()) -> str:
    """``conn`` without its password (the registrant's description; never a secret), and without
    the query options ``drop_options`` names."""
    try:
        from sqlalchemy.engine import make_url

        url = make_url(conn)
        if drop_options:
            url = url.set(query={k: v for k, v in url.query.items() if k not in drop_options})
        # hide_password: ``url.set(password=None)`` kept the password in the rendered text (the lease
        # file, which every user of a shared store reads, held the DB password in clear)
        return url.render_as_string(hide_password=True)
    except Exception:  # not a URL sqlalchemy knows: keep only what cannot be a password
        return conn.split("@")[-1]


def registrant_for(conn: str) -> str:
    """The registrant id of the database at ``conn``: password and connection-tuning options
    excluded (rotating a password, or a different timeout, keeps the id)."""
    identity = sanitized_db_url(conn, drop_options=CONNECTION_TUNING_OPTIONS)
    return "db-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:20]


def _database_option(name: str) -> str:
    """A ``[database]`` option from the environment, or from Airflow's config when this process loaded it
    (task processes, the CLI, gc); a process without Airflow (a plain store client) does not pay for it."""
    env = os.environ.get(f"AIRFLOW__DATABASE__{name.upper()}")
    if env is not None:
        return env
    if "airflow.configuration" not in sys.modules:
        return ""
    from airflow.configuration import conf

    try:
        return conf.get("database", name, fallback="") or ""
    except Exception:
        return ""


#: what Airflow 3's task supervisor puts in place of the DB URL in every task process
#: (``airflow/sdk/execution_time/supervisor.py``, ``block_orm_access``)
BLOCKED_DB_URL_PREFIX = "airflow-db-not-allowed:"


def _configured_conn() -> str:
    """The metadata DB URL, or "" where this process has none: a task process under Airflow 3 sees
    only the blocked placeholder, whose hash would make every deployment's tasks one registrant."""
    conn = _database_option("sql_alchemy_conn")
    return "" if conn.startswith(BLOCKED_DB_URL_PREFIX) else conn


@functools.cache
def current_registrant() -> str | None:
    """This deployment's registrant id; None when neither the option nor a DB URL is configured.

    Read once per process (``cache_clear()`` in tests). A registrant name may hold letters,
    digits, ``-``, ``_`` and ``.``.
    """
    from attune_provider import config

    explicit = config.store_registrant()
    if explicit:
        if not all(c.isalnum() or c in "-_." for c in explicit) or explicit.startswith("."):
            raise ValueError(
                f"[attune] store_registrant {explicit!r} may hold only letters, digits, '-', '_', '.'"
            )
        return explicit
    conn = _configured_conn()
    return registrant_for(conn) if conn else None


def _seconds(option: str) -> float:
    """``store_heartbeat_seconds`` or ``store_lease_seconds`` through the one config surface."""
    from attune_provider import config

    return float(getattr(config, option)())


@functools.cache
def heartbeat_seconds() -> float:
    """Read once per process: it is consulted on every task write."""
    return _seconds("store_heartbeat_seconds")


def lease_seconds() -> float:
    return _seconds("store_lease_seconds")


@dataclass(frozen=True)
class Registrant:
    """One registrant as its lease and published references describe it."""

    id: str
    db: str
    heartbeat: float
    refs_time: float | None  # when its published references were taken (None: never published)
    refs: frozenset[str]

    def away_seconds(self, now: float) -> float:
        return max(0.0, now - self.heartbeat)


class Registry:
    """Leases and published references of every registrant of one store."""

    def __init__(self, store: ResultStore) -> None:
        self.store = store
        self.files = store.files

    def _lease(self, registrant: str) -> str:
        return self.files.path(REGISTRY_DIR, f"{registrant}.json")

    def _refs(self, registrant: str) -> str:
        return self.files.path(REGISTRY_DIR, f"{registrant}.refs.json")

    def beat(self, registrant: str, *, db: str = "", by: str = "task", now: float | None = None) -> None:
        """Renew ``registrant``'s lease now (one small write)."""
        record = {
            "id": registrant,
            "db": db,
            "heartbeat": time.time() if now is None else now,
            "by": by,
            "host": socket.gethostname(),
        }
        if not db:  # a task does not know the DB URL: keep what gc recorded
            record["db"] = self._read(self._lease(registrant)).get("db", "")
        self.files.write_atomic(self._lease(registrant), json.dumps(record, sort_keys=True).encode())

    def publish(self, registrant: str, keys: set[str], taken_at: float) -> None:
        """Record the keys ``registrant``'s database references (written by its ``gc``)."""
        data = json.dumps({"id": registrant, "taken_at": taken_at, "keys": sorted(keys)}).encode()
        self.files.write_atomic(self._refs(registrant), data)

    def forget(self, registrant: str) -> None:
        self.files.remove(self._lease(registrant))
        self.files.remove(self._refs(registrant))

    def registrants(self) -> list[Registrant]:
        found = []
        for info in self.files.list_dir(self.files.path(REGISTRY_DIR)):
            if not info.name.endswith(".json") or info.name.endswith(".refs.json"):
                continue
            lease = self._read(info.path)
            registrant = str(lease.get("id") or info.name[: -len(".json")])
            refs = self._read(self._refs(registrant))
            taken = refs.get("taken_at")
            found.append(
                Registrant(
                    registrant,
                    str(lease.get("db", "")),
                    float(lease.get("heartbeat") or info.mtime or 0.0),
                    float(taken) if isinstance(taken, (int, float)) else None,
                    frozenset(refs.get("keys") or ()),
                )
            )
        return found

    def _read(self, path: str) -> dict:
        try:
            data = json.loads(self.files.read(path))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise ValueError(f"attune store registry file {path} is corrupt: {exc}") from None
        return data if isinstance(data, dict) else {}


def heartbeat(store: ResultStore) -> str | None:
    """Renew this deployment's lease, at most once per ``store_heartbeat_seconds`` per process.

    Called by task writes; returns the registrant id (None when it is unknown: see
    ``current_registrant``). Cheap: one dict lookup on all but the first write of an interval.
    """
    registrant = current_registrant()
    if registrant is None:
        return None
    key = (store.url, registrant)
    now = time.time()
    with _BEAT_LOCK:
        if now - _LAST_BEAT.get(key, 0.0) < heartbeat_seconds():
            return registrant
        _LAST_BEAT[key] = now
    Registry(store).beat(registrant)
    return registrant


__all__ = [
    "Registrant",
    "Registry",
    "current_registrant",
    "heartbeat",
    "heartbeat_seconds",
    "lease_seconds",
    "registrant_for",
    "sanitized_db_url",
]
