"""ResultStore: content-addressed objects on any fsspec URL, read element by element.

Objects live at ``<root>/objects/<k[:2]>/<k>`` where ``k`` is the sha256 of the object bytes, so
the same value is stored once (retries and duplicates cost nothing). Writes are atomic: on a local
filesystem a temp file in the same directory is renamed over the final name; on object stores
(s3, gs, memory) a single put is atomic by itself. Readers fetch the root header, one index entry
and one payload per element (see ``layout``); everything read is checksum-verified.

A bounded per-process LRU caches headers, index entries and payload bytes (objects are immutable,
so caching is always safe). ``begin_scope(label)`` starts a fresh cache and a fresh byte counter
for a new reader -- the XCom backend calls it when a new task instance starts reading, so
in-process runs (``dag.test()``) behave and measure like one worker process per task instance.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from attune_provider.store import layout
from attune_provider.store.errors import CorruptObjectError, InvalidReferenceError, ObjectNotFoundError
from attune_provider.store.reference import KEY_RE

log = logging.getLogger(__name__)

REFRESH_AFTER_SECONDS = 600.0
"""A dedupe hit on an object older than this rewrites it, so GC's grace period protects it."""


@dataclass
class StoreStats:
    """Counters for tests, benchmarks and logs (bytes actually fetched from storage)."""

    bytes_read: int = 0
    reads: int = 0
    bytes_written: int = 0
    objects_written: int = 0
    cache_hits: int = 0
    by_scope: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    mtime: float | None  # seconds since epoch; None when the filesystem does not say


class _LRU:
    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.data: OrderedDict[tuple, Any] = OrderedDict()
        self.sizes: dict[tuple, int] = {}
        self.total = 0

    def get(self, key: tuple) -> Any:
        value = self.data.get(key)
        if value is not None:
            self.data.move_to_end(key)
        return value

    def put(self, key: tuple, value: Any, size: int) -> None:
        if self.max_entries <= 0 or size > self.max_bytes:
            return
        if key in self.data:
            self.total -= self.sizes[key]
        self.data[key] = value
        self.data.move_to_end(key)
        self.sizes[key] = size
        self.total += size
        while len(self.data) > self.max_entries or self.total > self.max_bytes:
            old, _ = self.data.popitem(last=False)
            self.total -= self.sizes.pop(old)

    def clear(self) -> None:
        self.data.clear()
        self.sizes.clear()
        self.total = 0


_INSTANCES: dict[tuple, ResultStore] = {}
_INSTANCES_LOCK = threading.Lock()


class ResultStore:
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
        self.codec = layout.Codec(compression)
        self.compression = self.codec.compression
        self.nest_min_bytes = nest_min_bytes
        self.fs, self.root = _filesystem(self.url, conn_id)
        self.root = self.root.rstrip("/")
        self.is_local = isinstance(self.fs, LocalFileSystem)
        self.stats = StoreStats()
        self.scope: str | None = None
        self._cache = _LRU(cache_size, cache_bytes)
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_settings(cls) -> ResultStore:
        """The process-wide store configured by ``[attune]`` (one instance, so one cache)."""
        from attune_provider.config import settings

        s = settings()
        return cls.shared(
            s.store_url, compression=s.compression, cache_size=s.cache_size, conn_id=s.store_conn_id
        )

    @classmethod
    def shared(
        cls, url: str, *, compression: str = "none", cache_size: int = 4096, conn_id: str = ""
    ) -> ResultStore:
        """One instance per (url, settings) in this process; used by pickled views too."""
        key = (url.rstrip("/"), compression, cache_size, conn_id)
        with _INSTANCES_LOCK:
            store = _INSTANCES.get(key)
            if store is None:
                store = _INSTANCES[key] = cls(
                    url, compression=compression, cache_size=cache_size, conn_id=conn_id
                )
            return store

    def __repr__(self) -> str:
        return f"ResultStore({self.url!r}, compression={self.compression!r})"

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
        return f"{self.root}/objects/{key[:2]}/{key}"

    def subpath(self, *parts: str) -> str:
        """A path under the root for a store-internal area (parts are validated, never '..')."""
        for p in parts:
            if not p or p in (".", "..") or "/" in p or "\\" in p:
                raise InvalidReferenceError(f"invalid store path component {p!r}")
        return "/".join([self.root, *parts])

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
        data = layout.encode(value, self.codec, nest_min_bytes=self.nest_min_bytes)
        return hashlib.sha256(data).hexdigest(), data

    def write_object(self, key: str, data: bytes) -> None:
        path = self.object_path(key)
        info = self._info(path)
        if info is not None:
            age = time.time() - (_mtime(info) or 0)
            if age < REFRESH_AFTER_SECONDS:
                return
            if self.is_local:
                try:
                    os.utime(path)
                    return
                except FileNotFoundError:  # collected meanwhile: write it again below
                    pass
        self.write_atomic(path, data)
        with self._lock:
            self.stats.bytes_written += len(data)
            self.stats.objects_written += 1

    def write_atomic(self, path: str, data: bytes) -> None:
        """No reader ever sees a partial file: temp + rename locally, one put elsewhere."""
        parent = path.rsplit("/", 1)[0]
        if self.is_local:
            os.makedirs(parent, exist_ok=True)
            tmp = f"{parent}/.tmp-{uuid.uuid4().hex}"
            try:
                with open(tmp, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        else:
            self.fs.pipe_file(path, data)

    def write_if_absent(self, path: str, data: bytes) -> bool:
        """Create ``path`` unless it exists (idempotent seeds); True when this call wrote it."""
        if self.fs.exists(path):
            return False
        self.write_atomic(path, data)
        return True

    # ------------------------------------------------------------------ raw reads

    def _info(self, path: str) -> dict | None:
        try:
            return self.fs.info(path)
        except FileNotFoundError:
            return None

    def exists(self, ref: str) -> bool:
        return self._info(self.object_path(ref)) is not None

    def read_range(self, ref: str, start: int, end: int) -> bytes:
        """Bytes [start, end) of an object; counted in ``stats``."""
        path = self.object_path(ref)
        try:
            data = self.fs.cat_file(path, start=start, end=end)
        except FileNotFoundError:
            raise ObjectNotFoundError(ref, self.url) from None
        self._count(len(data))
        return data

    def read_bytes(self, ref: str) -> bytes:
        """The whole object, verified against the sha256 it is named by."""
        path = self.object_path(ref)
        try:
            data = self.fs.cat_file(path)
        except FileNotFoundError:
            raise ObjectNotFoundError(ref, self.url) from None
        self._count(len(data))
        if hashlib.sha256(data).hexdigest() != ref:
            raise CorruptObjectError(ref, "sha256 of the object bytes does not match its name")
        return data

    def read_file(self, path: str) -> bytes:
        """A store-internal file (variables); counted like object reads."""
        data = self.fs.cat_file(path)
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

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    # ------------------------------------------------------------------ listing / deleting

    def iter_objects(self) -> Iterator[ObjectInfo]:
        base = f"{self.root}/objects"
        try:
            found = self.fs.find(base, detail=True)
        except FileNotFoundError:
            return
        for path, info in found.items():
            name = path.rstrip("/").rsplit("/", 1)[-1]
            if KEY_RE.match(name):
                yield ObjectInfo(name, int(info.get("size") or 0), _mtime(info))

    def delete(self, ref: str) -> bool:
        """Remove an object; True if it existed. Callers decide whether it is still referenced."""
        path = self.object_path(ref)
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            return False
        with self._lock:
            for k in [k for k in self._cache.data if len(k) > 1 and k[1] == ref]:
                self._cache.data.pop(k, None)
                self._cache.total -= self._cache.sizes.pop(k, 0)
        return True

    # ------------------------------------------------------------------ structured reads

    def load(self, ref: str, path: Sequence[str | int] = ()) -> Any:
        """The value of an object: a lazy view for an indexed list/dict, else the plain value."""
        from attune_provider.store.lazy import make_view

        node = self.root_node(ref)
        value: Any = make_view(self, ref, (), node) if node["t"] != "v" else self.leaf(ref, node)
        for step in path:
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError) as exc:
                raise InvalidReferenceError(f"path {list(path)!r} does not exist in object {ref}") from exc
        return value

    def load_plain(self, ref: str) -> Any:
        """The whole value as plain Python (one full read, sha256-verified)."""
        data = self.read_bytes(ref)

        def read(start: int, end: int) -> bytes:
            return data[start:end]

        try:
            node = layout.parse_root(data[: layout.HEAD_READ], read)
            return self._plain(ref, node, read)
        except layout.LayoutError as exc:
            raise CorruptObjectError(ref, str(exc)) from None

    def root_node(self, ref: str) -> dict:
        cached = self._cache_get(("root", ref))
        if cached is not None:
            return cached
        head = self.read_range(ref, 0, layout.HEAD_READ)
        try:
            node = layout.parse_root(head, lambda s, e: self.read_range(ref, s, e))
        except layout.LayoutError as exc:
            raise CorruptObjectError(ref, str(exc)) from None
        self._cache_put(("root", ref), node, 256)
        return node

    def leaf(self, ref: str, node: dict) -> Any:
        data = self._verified_range(ref, node["o"], node["n"], bytes.fromhex(node["h"]), "value")
        return self._decode(ref, node["k"], data)

    def list_entry(self, ref: str, node: dict, index: int) -> layout.Entry:
        ck = ("entry", ref, node["tab"], index)
        entry = self._cache_get(ck)
        if entry is None:
            start = node["tab"] + index * layout.ENTRY_SIZE
            entry = self._entry(ref, self.read_range(ref, start, start + layout.ENTRY_SIZE))
            self._cache_put(ck, entry, layout.ENTRY_SIZE)
        return entry

    def list_item(self, ref: str, node: dict, index: int) -> tuple[int, bytes]:
        """(kind, payload) of element ``index`` of a list node."""
        entry = self.list_entry(ref, node, index)
        return entry.kind, self._payload(ref, entry)

    def dict_item(self, ref: str, node: dict, key: str) -> tuple[int, bytes] | None:
        """(kind, value bytes) of ``key`` in a dict node, or None when absent (one probe on average)."""
        ck = ("slot", ref, node["tab"], key)
        entry = self._cache_get(ck)
        if entry is None:
            entry = self._probe(ref, node, key)
            if entry is None:
                return None
            self._cache_put(ck, entry, layout.ENTRY_SIZE + len(key))
        payload = self._payload(ref, entry)
        _, value = layout.split_dict_payload(payload)
        return entry.kind, value

    def _probe(self, ref: str, node: dict, key: str) -> layout.Entry | None:
        cap = node["cap"]
        h = layout.key_hash(key)
        slot = h & (cap - 1)
        for _ in range(cap):
            start = node["tab"] + slot * layout.ENTRY_SIZE
            entry = self._entry(ref, self.read_range(ref, start, start + layout.ENTRY_SIZE))
            if entry.kind == layout.KIND_EMPTY:
                return None
            if entry.keyhash == h:
                found, _ = layout.split_dict_payload(self._payload(ref, entry))
                if found == key:
                    return entry
            slot = (slot + 1) & (cap - 1)
        return None

    def dict_keys(self, ref: str, node: dict) -> list[str]:
        ck = ("keys", ref, node["tab"])
        keys = self._cache_get(ck)
        if keys is None:
            k = node["keys"]
            data = self._verified_range(ref, k["o"], k["n"], bytes.fromhex(k["h"]), "mapping keys")
            keys = self._decode(ref, k["k"], data)
            if not isinstance(keys, list):
                raise CorruptObjectError(ref, "mapping keys are not a list")
            self._cache_put(ck, keys, k["n"] + 64)
        return list(keys)

    def decode_child(self, ref: str, kind: int, data: bytes) -> tuple[dict | None, Any]:
        """(node header, None) for an indexed child, else (None, plain value)."""
        if kind == layout.KIND_NODE:
            try:
                return layout.parse_header(data), None
            except layout.LayoutError as exc:
                raise CorruptObjectError(ref, str(exc)) from None
        return None, self._decode(ref, kind, data)

    # ------------------------------------------------------------------ internals

    def _decode(self, ref: str, kind: int, data: bytes) -> Any:
        try:
            return self.codec.decode_leaf(kind, data)
        except (layout.LayoutError, ValueError) as exc:
            raise CorruptObjectError(ref, f"undecodable element: {exc}") from None

    def _entry(self, ref: str, raw: bytes) -> layout.Entry:
        try:
            return layout.Entry.unpack(raw)
        except layout.LayoutError as exc:
            raise CorruptObjectError(ref, str(exc)) from None

    def _payload(self, ref: str, entry: layout.Entry) -> bytes:
        return self._verified_range(ref, entry.offset, entry.length, entry.digest, "element")

    def _verified_range(self, ref: str, offset: int, length: int, dig: bytes, what: str) -> bytes:
        ck = ("bytes", ref, offset)
        data = self._cache_get(ck)
        if data is not None:
            return data
        data = self.read_range(ref, offset, offset + length)
        if len(data) != length:
            raise CorruptObjectError(ref, f"{what} at offset {offset} is truncated")
        if layout.digest(data) != dig:
            raise CorruptObjectError(ref, f"{what} at offset {offset} fails its digest")
        self._cache_put(ck, data, length)
        return data

    def _plain(self, ref: str, node: dict, read: layout.ReadRange) -> Any:
        """Decode a whole node from ``read`` (memory slices for a full read)."""

        def payload(e: layout.Entry) -> bytes:
            return layout.verified(read(e.offset, e.offset + e.length), e.digest, "element")

        def child(kind: int, data: bytes) -> Any:
            if kind == layout.KIND_NODE:
                return self._plain(ref, layout.parse_header(data), read)
            return self.codec.decode_leaf(kind, data)

        if node["t"] == "v":
            return self.codec.decode_leaf(
                node["k"],
                layout.verified(read(node["o"], node["o"] + node["n"]), bytes.fromhex(node["h"]), "value"),
            )
        if node["t"] == "l":
            table = read(node["tab"], node["tab"] + node["len"] * layout.ENTRY_SIZE)
            out = []
            for i in range(node["len"]):
                e = layout.Entry.unpack(table[i * layout.ENTRY_SIZE : (i + 1) * layout.ENTRY_SIZE])
                out.append(child(e.kind, payload(e)))
            return out
        table = read(node["tab"], node["tab"] + node["cap"] * layout.ENTRY_SIZE)
        found: dict[str, Any] = {}
        for i in range(node["cap"]):
            e = layout.Entry.unpack(table[i * layout.ENTRY_SIZE : (i + 1) * layout.ENTRY_SIZE])
            if e.kind != layout.KIND_EMPTY:
                key, data = layout.split_dict_payload(payload(e))
                found[key] = child(e.kind, data)
        k = node["keys"]
        keys = self.codec.decode_leaf(
            k["k"], layout.verified(read(k["o"], k["o"] + k["n"]), bytes.fromhex(k["h"]), "keys")
        )
        if sorted(keys) != sorted(found):
            raise layout.LayoutError("mapping keys do not match its index")
        return {key: found[key] for key in keys}

    def _cache_get(self, key: tuple) -> Any:
        with self._lock:
            value = self._cache.get(key)
            if value is not None:
                self.stats.cache_hits += 1
            return value

    def _cache_put(self, key: tuple, value: Any, size: int) -> None:
        with self._lock:
            self._cache.put(key, value, size)


def _mtime(info: dict) -> float | None:
    for name in ("mtime", "LastModified", "last_modified", "updated", "created", "timeCreated"):
        value = info.get(name)
        if value is None:
            continue
        if isinstance(value, (int, float)):
            return float(value)
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        if isinstance(value, str):
            from datetime import datetime

            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return None


def _filesystem(url: str, conn_id: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """fsspec filesystem + root path; object stores with a conn id go through ObjectStoragePath."""
    scheme = url.split("://", 1)[0] if "://" in url else "file"
    if conn_id and scheme not in ("file", "local", "memory"):
        from airflow.sdk import ObjectStoragePath

        osp = ObjectStoragePath(url, conn_id=conn_id)
        return osp.fs, osp.path
    fs, root = fsspec.core.url_to_fs(url)
    return fs, root
