"""ResultStore: content-addressed objects on any fsspec URL, read element by element.

Objects live at ``<root>/objects/<k[:2]>/<k>`` where ``k`` is the object key (a sha256 of the
object bytes, recorded inside the object too: see ``layout``), so the same value is stored once
(retries and duplicates cost nothing). Writes are atomic (``files.StoreFiles``). Readers fetch the
root header (checking the object is the one asked for), one index entry and one payload per
element; everything read is checksum-verified.

A bounded per-process LRU caches headers, index entries and payload bytes (objects are immutable,
so caching is always safe). ``begin_scope(label)`` starts a fresh cache and a fresh byte counter
for a new reader -- the XCom backend calls it when a new task instance starts reading, so
in-process runs (``dag.test()``) behave and measure like one worker process per task instance.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from attune_provider.store import layout
from attune_provider.store.cache import ObjectCache
from attune_provider.store.codec import Codec
from attune_provider.store.errors import CorruptObjectError, InvalidReferenceError, ObjectNotFoundError
from attune_provider.store.files import FileInfo, StoreFiles
from attune_provider.store.object_reader import ObjectReader
from attune_provider.store.reference import KEY_RE

log = logging.getLogger(__name__)

REFRESH_AFTER_SECONDS = 600.0
"""A dedupe hit on a remote object older than this rewrites it, so GC's grace period protects it
(local objects are simply touched on every hit)."""


@dataclass
class StoreStats:
    """Counters for tests, benchmarks and logs (bytes actually fetched from storage)."""

    bytes_read: int = 0
    reads: int = 0
    bytes_written: int = 0
    objects_written: int = 0
    objects_repaired: int = 0
    by_scope: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


_INSTANCES: dict[tuple, ResultStore] = {}
_INSTANCES_LOCK = threading.Lock()


class ResultStore(ObjectReader):
    """Content-addressed random-access store over one fsspec root URL."""

    def __init__(
        self,
        url: str,
        *,
        compression: str = "none",
        cache_size: int = 4096,
        conn_id: str = "",
        nest_min_bytes: int = layout.NEST_MIN_BYTES,
        cache_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        self.url = url.rstrip("/")
        self.conn_id = conn_id
        self.codec = Codec(compression)
        self.compression = self.codec.compression
        self.cache_size = cache_size
        self.nest_min_bytes = nest_min_bytes
        self.files = StoreFiles(self.url, conn_id)
        self.stats = StoreStats()
        self.scope: str | None = None
        self._cache = ObjectCache(cache_size, cache_bytes)
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_settings(cls) -> ResultStore:
        """THE configured store of this process (``[attune]`` read once; one instance, one cache)."""
        from attune_provider.store.settings import store_settings

        s = store_settings()
        return cls.shared(s.url, compression=s.compression, cache_size=s.cache_size, conn_id=s.conn_id)

    @classmethod
    def shared(
        cls, url: str, *, compression: str = "none", cache_size: int = 4096, conn_id: str = ""
    ) -> ResultStore:
        """One instance per (url, settings) in this process; unpickled stores and views use it."""
        key = (url.rstrip("/"), compression, cache_size, conn_id)
        with _INSTANCES_LOCK:
            store = _INSTANCES.get(key)
            if store is None:
                store = _INSTANCES[key] = cls(
                    url, compression=compression, cache_size=cache_size, conn_id=conn_id
                )
            return store

    def __reduce__(self) -> tuple:
        """Pickles as its settings: another process re-opens the same store (never the data)."""
        return (_reopen, (self.url, self.compression, self.cache_size, self.conn_id))

    def __repr__(self) -> str:
        return f"ResultStore({self.url!r}, compression={self.compression!r})"

    @property
    def root(self) -> str:
        return self.files.root

    @property
    def fs(self) -> Any:
        """The raw fsspec filesystem, for tests and external tools; provider code uses ``files``."""
        return self.files.fs

    # ------------------------------------------------------------------ paths

    def check_key(self, ref: str) -> str:
        """A reference is a bare 64-hex content key: nothing else can name a path."""
        if not isinstance(ref, str) or not KEY_RE.match(ref):
            raise InvalidReferenceError(
                f"invalid attune store reference {str(ref)[:200]!r}: expected a 64-character "
                f"lowercase hex content key (paths, '..', URLs and other schemes are rejected)"
            )
        return ref

    def object_path(self, ref: str) -> str:
        key = self.check_key(ref)
        return self.files.path("objects", key[:2], key)

    # ------------------------------------------------------------------ writing

    def put(self, value: Any) -> str:
        """Store ``value`` once; returns its content key."""
        return self.put_object(value).key

    def put_object(self, value: Any) -> StoredObject:
        key, data = self.encode_object(value)
        self.write_object(key, data)
        return StoredObject(key, len(data))

    def encode_object(self, value: Any) -> tuple[str, bytes]:
        """(content key, bytes) of ``value`` without writing it."""
        return layout.encode(value, self.codec, nest_min_bytes=self.nest_min_bytes)

    def write_object(self, key: str, data: bytes) -> None:
        """Write an object unless an intact copy exists; a damaged copy is replaced atomically.

        An existing file is compared byte for byte (the same value always encodes to the same
        bytes), so a flipped byte or a truncated file is repaired by the next write of the value.
        """
        path = self.object_path(key)
        try:
            existing = self.files.read(path)
        except FileNotFoundError:
            existing = None
        if existing == data and self._refresh(path):
            return
        if existing is not None and existing != data:
            log.warning("attune result store: object %s was damaged on storage; rewriting it", key)
            with self._lock:
                self.stats.objects_repaired += 1
        self.files.write_atomic(path, data)
        with self._lock:
            self.stats.bytes_written += len(data)
            self.stats.objects_written += 1

    def _refresh(self, path: str) -> bool:
        """Mark an intact object as just written (GC grace); False when it has to be rewritten."""
        if self.files.is_local:
            return self.files.touch(path)
        info = self.files.info(path)
        return info is not None and info.age() < REFRESH_AFTER_SECONDS

    # ------------------------------------------------------------------ raw reads

    def exists(self, ref: str) -> bool:
        return self.files.info(self.object_path(ref)) is not None

    def object_info(self, ref: str) -> FileInfo | None:
        """Size and mtime of an object's file, or None when it does not exist."""
        return self.files.info(self.object_path(ref))

    def object_size(self, ref: str) -> int:
        info = self.object_info(ref)
        return 0 if info is None else info.size

    def read_range(self, ref: str, start: int, end: int) -> bytes:
        """Bytes [start, end) of an object; counted in ``stats``."""
        try:
            data = self.files.read(self.object_path(ref), start, end)
        except FileNotFoundError:
            raise ObjectNotFoundError(ref, self.url) from None
        self._count(len(data))
        return data

    def read_bytes(self, ref: str) -> bytes:
        """The whole object, verified to be the object ``ref`` names (recorded and computed key)."""
        try:
            data = self.files.read(self.object_path(ref))
        except FileNotFoundError:
            raise ObjectNotFoundError(ref, self.url) from None
        self._count(len(data))
        try:
            recorded = layout.recorded_key(data)
        except layout.LayoutError as exc:
            raise CorruptObjectError(ref, str(exc)) from None
        if recorded != ref:
            raise CorruptObjectError(
                ref, f"the file holds another object (its header names {recorded}): it was swapped or misplaced"
            )
        if layout.object_key(data) != ref:
            raise CorruptObjectError(ref, "sha256 of the object bytes does not match its name")
        return data

    def read_file(self, path: str) -> bytes:
        """A store-internal file (variable records); counted like object reads."""
        data = self.files.read(path)
        self._count(len(data))
        return data

    def _count(self, n: int) -> None:
        with self._lock:
            self.stats.bytes_read += n
            self.stats.reads += 1
            if self.scope is not None:
                self.stats.by_scope[self.scope] = self.stats.by_scope.get(self.scope, 0) + n

    def begin_scope(self, label: str) -> None:
        """Start a new reader: fresh cache and a byte counter under ``label`` (no-op if current)."""
        with self._lock:
            if self.scope == label:
                return
            self.scope = label
            self._cache.clear()
            self.stats.by_scope.setdefault(label, 0)

    # ------------------------------------------------------------------ listing / deleting

    def iter_objects(self) -> Iterator[FileInfo]:
        """Every object file (``name`` is its key); temp files and foreign names are skipped."""
        for info in self.files.find(self.files.path("objects")):
            if KEY_RE.match(info.name):
                yield info

    def delete(self, ref: str) -> bool:
        """Remove an object; True if it existed. Callers decide whether it is still referenced."""
        self._cache.drop_object(ref)
        return self.files.remove(self.object_path(ref))

    def set_aside(self, ref: str) -> str | None:
        """Move an object out of readers' way (first step of a race-safe delete); its new path."""
        aside = self.files.path("trash", f"{self.check_key(ref)}.{uuid.uuid4().hex}")
        if not self.files.move(self.object_path(ref), aside):
            return None
        self._cache.drop_object(ref)
        return aside

    def put_back(self, ref: str, aside: str) -> None:
        """Undo ``set_aside`` (a writer or holder appeared meanwhile); a rewritten copy wins."""
        if self.exists(ref) or not self.files.move(aside, self.object_path(ref)):
            self.files.remove(aside)

    def discard(self, aside: str) -> None:
        """Finish a delete started with ``set_aside``."""
        self.files.remove(aside)


def _reopen(url: str, compression: str, cache_size: int, conn_id: str) -> ResultStore:
    return ResultStore.shared(url, compression=compression, cache_size=cache_size, conn_id=conn_id)


