"""Content-addressed cache of loaded units: an in-process memo plus pickles on disk.

The dag processor re-imports the loader every ``min_file_process_interval`` in a fresh
process; parsing every YAML file again each time is what this avoids. The digest covers every
YAML byte of a unit, the provider version and the spec loader's source files, so any change
re-parses. Pickles live under ``$AIRFLOW_HOME/attune-cache`` (trusted like the DAG folder;
written 0600 and atomically); a corrupt entry is a miss.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import json
import logging
import os
import pickle
import sys
import time
from pathlib import Path
from types import MappingProxyType
from typing import Any

from attune_provider.dag_loading.units import LoadedUnit, Problem, SourceUnit, load_unit
from attune_provider.local_files import write_atomically

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
INDEX_FILE = "dag-index.json"


def _mapping_proxy(data: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(data)


class _SpecPickler(pickle.Pickler):
    """Pickles ``MappingProxyType`` (the model's read-only mappings) as a rebuilt proxy."""

    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[MappingProxyType] = lambda proxy: (_mapping_proxy, (dict(proxy),))


def dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _SpecPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


_FINGERPRINT: list[str] = []


def _loader_fingerprint() -> str:
    """Changes whenever the provider version or any spec-loader source file changes (memoised)."""
    if not _FINGERPRINT:
        import attune_provider
        import attune_provider.spec as spec_package

        parts = [str(CACHE_FORMAT), attune_provider.__version__, sys.version]
        with os.scandir(os.path.dirname(spec_package.__file__)) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    stat = entry.stat()
                    parts.append(f"{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
        _FINGERPRINT.append(hashlib.sha256("\n".join(parts).encode()).hexdigest())
    return _FINGERPRINT[0]


class SpecCache:
    """Content-addressed cache of loaded units: in-process memo plus pickles on disk.

    Safe with concurrent writers: entries are written to a temporary file and renamed, and a
    corrupt or unreadable entry is treated as a miss.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._file_hashes: dict[tuple[str, int, int], str] = {}
        self._units: dict[str, LoadedUnit] = {}
        self.hits = 0
        self.misses = 0

    @classmethod
    def default(cls) -> SpecCache:
        from attune_provider.config import airflow_home

        return cls(airflow_home() / "attune-cache")

    # --- hashing
    def file_sha256(self, path: Path) -> str:
        name = str(path)
        stat = os.stat(name)
        key = (name, stat.st_mtime_ns, stat.st_size)
        digest = self._file_hashes.get(key)
        if digest is None:
            with open(name, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            self._file_hashes[key] = digest
        return digest

    def unit_digest(self, unit: SourceUnit) -> str:
        digest = hashlib.sha256(f"{_loader_fingerprint()}\n{unit.kind}\n{unit.path}\n{unit.root}\n".encode())
        for file in unit.files():
            digest.update(f"{file}\0{self.file_sha256(file)}\n".encode())
        return digest.hexdigest()

    # --- lookups
    def load(self, unit: SourceUnit) -> LoadedUnit:
        """The unit's load result, from memory, disk, or the spec loader (then stored)."""
        try:
            digest = self.unit_digest(unit)
        except OSError as exc:  # file vanished while we listed it
            return LoadedUnit(unit, problems=[Problem(str(unit.path), 0, 0, f"cannot read: {exc}")])
        loaded = self._units.get(digest)
        if loaded is None:
            loaded = self._read(digest)
        if loaded is not None:
            self.hits += 1
        else:
            self.misses += 1
            loaded = load_unit(unit)
            self._write(digest, loaded)
        self._units[digest] = loaded
        return loaded

    def _entry(self, digest: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / "specs" / digest[:2] / f"{digest}.pickle"

    def _read(self, digest: str) -> LoadedUnit | None:
        entry = self._entry(digest)
        if entry is None:
            return None
        try:
            with entry.open("rb") as handle:
                value = pickle.load(handle)
            with contextlib.suppress(OSError):  # mark as used (see prune)
                os.utime(entry)
        except FileNotFoundError:
            return None
        except Exception as exc:  # corrupt / written by another version: re-parse
            log.warning("attune spec cache entry %s unreadable (%s); re-parsing", entry, exc)
            return None
        return value if isinstance(value, LoadedUnit) else None

    def _write(self, digest: str, loaded: LoadedUnit) -> None:
        entry = self._entry(digest)
        if entry is None:
            return
        try:
            data = dumps(loaded)
        except Exception as exc:  # an unpicklable model value: keep working without the disk cache
            log.warning("attune spec cache: cannot pickle %s: %s", loaded.unit.path, exc)
            return
        atomic_write(entry, data)

    # --- dag_id -> unit index (workers build only their DAG)
    def read_index(self) -> dict[str, str]:
        if self.directory is None:
            return {}
        try:
            value = json.loads((self.directory / INDEX_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def prune(self, keep_days: float = 7.0, *, every_seconds: float = 3600.0) -> int:
        """Delete entries unused for ``keep_days`` (at most once per ``every_seconds``).

        Every cache hit refreshes an entry's mtime, so anything still in use survives; a
        process that loses a race simply re-parses. Returns the number of files deleted.
        """
        if self.directory is None:
            return 0
        marker = self.directory / ".last-prune"
        now = time.time()
        try:
            if now - marker.stat().st_mtime < every_seconds:
                return 0
        except OSError:
            pass
        atomic_write(marker, b"")
        deleted = 0
        for entry in (self.directory / "specs").glob("*/*.pickle"):
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > keep_days * 86400:
                    entry.unlink()
                    deleted += 1
        return deleted

    def update_index(self, entries: dict[str, str], *, replace: bool) -> None:
        """Store ``dag_id -> unit path``; ``replace`` drops ids no longer built (full builds)."""
        if self.directory is None:
            return
        current = self.read_index()
        merged = dict(entries) if replace else {**current, **entries}
        if merged != current:
            atomic_write(self.directory / INDEX_FILE, json.dumps(merged, sort_keys=True).encode())


def atomic_write(target: Path, data: bytes) -> None:
    """A cache write: a failure is logged, never raised."""
    try:
        write_atomically(target, data)
    except OSError as exc:  # read-only home, full disk: caching is an optimisation only
        log.warning("attune cache: cannot write %s: %s", target, exc)


