"""Per-DAG-run workflow variables in the result store (docs/result-store.md).

Variables: every ``publish`` writes ONE new immutable record named
``<time_ns:020d>-<writer>-<random>.json`` under ``<root>/vars/<dag_id>/<run_id>/``; nothing is
ever read-modified-written, so concurrent branches (threads, processes, machines) cannot lose a
write. ``snapshot()`` lists the records and merges them in name order: the record with the later
(time_ns, writer, random) name wins per variable -- the same answer for every reader. ``seed``
writes a fixed-name record that sorts first, only if absent, so seeding is idempotent.

Values are stored plain (views are converted with ``to_plain``): a variable never pins a store
object, so XCom purge/GC need not look inside variable records. A value derived from a secret
arrives here already sealed (``runtime.secret_values``, ``store.sealed``): never in clear.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from attune_provider.store.files import FileInfo
from attune_provider.store.lazy import to_plain
from attune_provider.store.result_store import ResultStore

SEED_NAME = "00000000000000000000-seed.json"
VARS_DIR = "vars"


def _component(text: str) -> str:
    """Path-safe encoding of a dag_id / run_id / writer ('/', ':', '..' and friends escaped)."""
    enc = quote(text, safe="")
    return enc.replace(".", "%2E") if enc in (".", "..") or enc.startswith(".") else enc


class RunVariables:
    """Workflow variables of one DAG run (see module docstring for the no-lost-write design)."""

    def __init__(self, store: ResultStore, dag_id: str, run_id: str) -> None:
        if not dag_id or not run_id:
            raise ValueError("RunVariables needs a dag_id and a run_id")
        self.store = store
        self.dag_id = dag_id
        self.run_id = run_id
        self.dir = store.files.path(VARS_DIR, _component(dag_id), _component(run_id))
        self._records: dict[str, dict] = {}  # immutable records already read, by name
        self._lock = threading.Lock()

    def seed(self, initial: Mapping[str, Any]) -> bool:
        """Write the initial ``vars`` once per run; True if this call created them."""
        data = _dump({"writer": "seed", "updates": to_plain(dict(initial)), **_registrant()})
        return self.store.files.write_if_absent(f"{self.dir}/{SEED_NAME}", data)

    def publish(self, updates: Mapping[str, Any], writer: str) -> str:
        """Record ``updates`` (one new immutable record); returns the record name."""
        if not updates:
            return ""
        plain = to_plain(dict(updates))
        name = f"{time.time_ns():020d}-{_component(writer)}-{uuid.uuid4().hex[:12]}.json"
        record = _dump({"writer": writer, "updates": plain, **_registrant()})
        self.store.files.write_atomic(f"{self.dir}/{name}", record)
        return name

    def record_names(self) -> list[str]:
        return [i.name for i in self.store.files.list_dir(self.dir) if i.name.endswith(".json")]

    def snapshot(self) -> dict[str, Any]:
        """All variables of the run: records merged in name order (last writer wins per name)."""
        merged: dict[str, Any] = {}
        for name in self.record_names():
            record = self._record(name)
            merged.update(record.get("updates") or {})
        return merged

    def delete(self) -> None:
        self.store.files.remove_tree(self.dir)

    def _record(self, name: str) -> dict:
        with self._lock:
            cached = self._records.get(name)
        if cached is not None:
            return cached
        raw = self.store.read_file(f"{self.dir}/{name}")
        try:
            record = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"variable record {self.dir}/{name} is corrupt: {exc}") from None
        with self._lock:
            self._records[name] = record
        return record



@dataclass(frozen=True)
class RunStore:
    """The variable records of one DAG run as found on storage (for ``gc``)."""

    dag_id: str
    run_id: str
    dir: str
    files: list[FileInfo]


def iter_run_stores(store: ResultStore) -> Iterator[RunStore]:
    """Every run's variable directory under ``<root>/vars`` with its files."""
    files = store.files
    for dag_dir in files.list_dir(files.path(VARS_DIR)):
        for run_dir in files.list_dir(dag_dir.path):
            yield RunStore(
                unquote(dag_dir.name), unquote(run_dir.name), run_dir.path, files.find(run_dir.path)
            )


def _registrant() -> dict[str, str]:
    """Which metadata DB the run belongs to (``store.registry``): gc of another DB keeps the record."""
    from attune_provider.store.registry import current_registrant

    registrant = current_registrant()
    return {"registrant": registrant} if registrant else {}


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, default=str).encode("utf-8")
