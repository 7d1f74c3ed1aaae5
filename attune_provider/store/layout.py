"""Byte layout of a stored value: an offset index so one element costs one small ranged read.

Why a custom layout: a mapped task instance must read ``value[i]`` (or ``value["k"]``) without
reading the rest of a possibly huge result. JSON is not seekable, so every object carries its own
index.

Object bytes::

    b"ATN1" | u32 header_len | header JSON (header_len bytes) | u32 crc32(header JSON) | body...

The header JSON describes the root node. A node is either

* a leaf ``{"t": "v", "o": off, "n": len, "c": codec, "h": digest}`` -- one encoded value, or
* a list ``{"t": "l", "len": n, "tab": off}`` -- ``n`` fixed-width entries at ``tab``, or
* a dict ``{"t": "d", "len": n, "tab": off, "cap": slots, "keys": leaf}`` -- an open-addressing
  hash table of ``cap`` entries at ``tab`` (key -> entry in about one probe) plus a leaf holding
  the keys in insertion order (for iteration).

An entry is ``ENTRY_SIZE`` bytes: key hash (u64, 0 for lists), offset (u64), length (u64),
blake2b-128 digest of the payload (16 bytes), kind (u8), 3 pad bytes, crc32 of the first 44 bytes.
Kind is a leaf codec (JSON or zstd-JSON) or ``KIND_NODE``: the payload is then the JSON header of
a nested node (a list or dict big enough to deserve its own index, up to ``MAX_DEPTH`` levels).
A dict entry's payload is ``u32 key_len | key utf-8 | value bytes`` so a probe verifies the key.

Integrity: every payload read is checked against the digest in its entry, every entry against its
own crc32, the root header against its crc32; a full read of an object (``ResultStore.read_bytes``)
checks the sha256 the object is named by. All offsets are absolute within the object.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAGIC = b"ATN1"
PREFIX = struct.Struct("<4sI")
CRC = struct.Struct("<I")
ENTRY = struct.Struct("<QQQ16sB3xI")
ENTRY_SIZE = ENTRY.size  # 48
KEYLEN = struct.Struct("<I")

KIND_EMPTY = 0
KIND_JSON = 1
KIND_ZSTD = 2
KIND_NODE = 3

CODEC_JSON = "j"
CODEC_ZSTD = "z"

MAX_DEPTH = 4
"""Containers nested deeper than this are stored as one leaf."""

NEST_MIN_BYTES = 64 * 1024
"""A list ELEMENT that is a list/dict gets its own index only from this encoded size on: smaller
ones stay plain values, so a mapped instance's ``item`` is a plain dict/list, read in one go."""

MAPPING_NEST_MIN_BYTES = 1024
"""A mapping VALUE that is a list/dict gets its own index from this size on, so
``result.data.items[7]`` reads item 7 only, even when the list is small."""

COMPRESS_MIN_BYTES = 512

HEAD_READ = 256
"""Bytes read speculatively to get the root header in one request."""


class LayoutError(ValueError):
    """The bytes are not a valid attune object (corrupt, truncated or foreign)."""


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def key_hash(key: str) -> int:
    """64-bit hash of a mapping key; never 0 so 0 can mean 'list entry'."""
    h = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")
    return h or 1


@dataclass(frozen=True)
class Entry:
    """One decoded index entry: where a child's bytes are and how they are encoded."""

    keyhash: int
    offset: int
    length: int
    digest: bytes
    kind: int

    def pack(self) -> bytes:
        body = ENTRY.pack(self.keyhash, self.offset, self.length, self.digest, self.kind, 0)
        return body[:-4] + CRC.pack(zlib.crc32(body[:-4]))

    @classmethod
    def unpack(cls, raw: bytes) -> Entry:
        if len(raw) != ENTRY_SIZE:
            raise LayoutError(f"truncated index entry ({len(raw)} of {ENTRY_SIZE} bytes)")
        keyhash, offset, length, dig, kind, crc = ENTRY.unpack(raw)
        if zlib.crc32(raw[:-4]) != crc:
            raise LayoutError("index entry checksum mismatch")
        return cls(keyhash, offset, length, dig, kind)


# --------------------------------------------------------------------------- codecs


class Codec:
    """Leaf encoding: Airflow's serde (so datetimes, tuples... round-trip as with BaseXCom) + JSON."""

    def __init__(self, compression: str = "none") -> None:
        self.compression = compression
        self._zc = self._zd = None
        if compression == "zstd":
            try:
                import zstandard
            except ImportError:  # documented: zstd requested but not installed -> uncompressed
                self.compression = "none"
            else:
                self._zc = zstandard.ZstdCompressor(level=3)
                self._zd = zstandard.ZstdDecompressor()
        elif compression not in ("none", ""):
            raise ValueError(f"[attune] compression must be 'none' or 'zstd', not {compression!r}")

    @staticmethod
    def to_json_bytes(value: Any) -> bytes:
        return json.dumps(_serialize(value), separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @staticmethod
    def from_json_bytes(data: bytes) -> Any:
        return _deserialize(json.loads(data))

    def encode_leaf(self, value: Any) -> tuple[int, bytes]:
        return self.encode_raw(self.to_json_bytes(value))

    def encode_raw(self, raw: bytes) -> tuple[int, bytes]:
        """Leaf from already JSON-encoded bytes (compressed when it pays)."""
        if self._zc is not None and len(raw) >= COMPRESS_MIN_BYTES:
            packed = self._zc.compress(raw)
            if len(packed) < len(raw):
                return KIND_ZSTD, packed
        return KIND_JSON, raw

    def decode_leaf(self, kind: int, data: bytes) -> Any:
        if kind == KIND_JSON:
            return self.from_json_bytes(data)
        if kind == KIND_ZSTD:
            if self._zd is None:
                try:
                    import zstandard
                except ImportError as exc:
                    raise LayoutError(
                        "object element is zstd-compressed but zstandard is not installed"
                    ) from exc
                self._zd = zstandard.ZstdDecompressor()
            return self.from_json_bytes(self._zd.decompress(data))
        raise LayoutError(f"unknown leaf kind {kind}")


def _serialize(value: Any) -> Any:
    if _plain_json(value, 0):
        return value
    from airflow.sdk.serde import serialize

    return serialize(value)


def _deserialize(data: Any) -> Any:
    if _plain_json(data, 0) and not _has_classname(data):
        return data
    from airflow.sdk.serde import deserialize

    return deserialize(data)


def _plain_json(value: Any, depth: int) -> bool:
    """True when json.dumps round-trips ``value`` exactly (fast path around serde)."""
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if depth > 64:
        return False
    if type(value) is list:
        return all(_plain_json(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain_json(v, depth + 1) for k, v in value.items())
    return False


def _has_classname(data: Any) -> bool:
    if type(data) is dict:
        return "__classname__" in data or any(_has_classname(v) for v in data.values())
    if type(data) is list:
        return any(_has_classname(v) for v in data)
    return False


def indexable(value: Any) -> bool:
    """Lists and str-keyed dicts get an index; everything else is a leaf."""
    if type(value) is list:
        return True
    return type(value) is dict and all(type(k) is str for k in value)


# --------------------------------------------------------------------------- writing


class _Writer:
    def __init__(self, codec: Codec, nest_min_bytes: int, max_depth: int) -> None:
        self.codec = codec
        self.nest_min_bytes = nest_min_bytes
        self.max_depth = max_depth
        self.parts: list[bytes] = []
        self.pos = 0  # offset relative to the body start; fixed up via `base`

    def emit(self, data: bytes) -> int:
        off = self.pos
        self.parts.append(data)
        self.pos += len(data)
        return off

    def child(self, value: Any, depth: int, prefix: bytes = b"") -> tuple[int, bytes]:
        """Encode one child; returns (kind, payload) where NODE payload is its header JSON.

        ``prefix`` is non-empty exactly for mapping values (the key), which nest from a lower size.
        """
        raw = Codec.to_json_bytes(value)
        threshold = min(self.nest_min_bytes, MAPPING_NEST_MIN_BYTES) if prefix else self.nest_min_bytes
        if depth < self.max_depth and indexable(value) and value and len(raw) >= threshold:
            header = self.node(value, depth)
            return KIND_NODE, prefix + json.dumps(header, separators=(",", ":")).encode()
        kind, data = self.codec.encode_raw(raw)
        return kind, prefix + data

    def node(self, value: list | dict, depth: int) -> dict:
        if type(value) is list:
            entries = []
            for item in value:
                kind, payload = self.child(item, depth + 1)
                off = self.emit(payload)
                entries.append(Entry(0, off, len(payload), digest(payload), kind))
            tab = self.emit(b"".join(e.pack() for e in entries))
            return {"t": "l", "len": len(value), "tab": tab}
        keys = list(value)
        cap = max(8, _next_pow2(len(keys) * 2))
        slots: list[Entry | None] = [None] * cap
        for key in keys:
            kb = key.encode("utf-8")
            kind, payload = self.child(value[key], depth + 1, KEYLEN.pack(len(kb)) + kb)
            off = self.emit(payload)
            h = key_hash(key)
            i = h & (cap - 1)
            while slots[i] is not None:
                i = (i + 1) & (cap - 1)
            slots[i] = Entry(h, off, len(payload), digest(payload), kind)
        empty = Entry(0, 0, 0, b"\0" * 16, KIND_EMPTY)
        tab = self.emit(b"".join((s or empty).pack() for s in slots))
        kkind, kdata = self.codec.encode_leaf(keys)
        koff = self.emit(kdata)
        return {
            "t": "d",
            "len": len(keys),
            "tab": tab,
            "cap": cap,
            "keys": {"o": koff, "n": len(kdata), "k": kkind, "h": digest(kdata).hex()},
        }


def _next_pow2(n: int) -> int:
    p = 1
    while p < n:
        p <<= 1
    return p


def encode(
    value: Any,
    codec: Codec,
    *,
    nest_min_bytes: int = NEST_MIN_BYTES,
    max_depth: int = MAX_DEPTH,
) -> bytes:
    """Encode ``value`` into the object layout (see module docstring). Deterministic."""
    base = 0
    for _ in range(8):
        w = _Writer(codec, nest_min_bytes, max_depth)
        w.pos = base
        if indexable(value):
            header = w.node(value, 0)
        else:
            kind, data = codec.encode_leaf(value)
            off = w.emit(data)
            header = {"t": "v", "o": off, "n": len(data), "k": kind, "h": digest(data).hex()}
        hjson = json.dumps(header, separators=(",", ":")).encode()
        needed = PREFIX.size + len(hjson) + CRC.size
        if needed == base:
            return PREFIX.pack(MAGIC, len(hjson)) + hjson + CRC.pack(zlib.crc32(hjson)) + b"".join(w.parts)
        base = needed
    raise LayoutError("object header did not converge")  # pragma: no cover


# --------------------------------------------------------------------------- reading


ReadRange = Callable[[int, int], bytes]
"""read(start, end) -> bytes of the object in [start, end)."""


def parse_root(head: bytes, read: ReadRange) -> dict:
    """Root header from the first bytes of an object (reads more if ``head`` is too short)."""
    if len(head) < PREFIX.size:
        raise LayoutError("object is truncated (no header)")
    magic, hlen = PREFIX.unpack_from(head)
    if magic != MAGIC:
        raise LayoutError("not an attune object (bad magic)")
    end = PREFIX.size + hlen + CRC.size
    if len(head) < end:
        head = head + read(len(head), end)
        if len(head) < end:
            raise LayoutError("object is truncated (header)")
    hjson = head[PREFIX.size : PREFIX.size + hlen]
    (crc,) = CRC.unpack_from(head, PREFIX.size + hlen)
    if zlib.crc32(hjson) != crc:
        raise LayoutError("object header checksum mismatch")
    return parse_header(hjson)


def parse_header(hjson: bytes) -> dict:
    try:
        header = json.loads(hjson)
    except ValueError as exc:
        raise LayoutError(f"unreadable node header: {exc}") from exc
    if not isinstance(header, dict) or header.get("t") not in ("v", "l", "d"):
        raise LayoutError("unknown node type in header")
    return header


def verified(data: bytes, expected: bytes, what: str) -> bytes:
    if digest(data) != expected:
        raise LayoutError(f"digest mismatch for {what}")
    return data


def split_dict_payload(payload: bytes) -> tuple[str, bytes]:
    if len(payload) < KEYLEN.size:
        raise LayoutError("truncated mapping entry")
    (klen,) = KEYLEN.unpack_from(payload)
    key = payload[KEYLEN.size : KEYLEN.size + klen].decode("utf-8")
    return key, payload[KEYLEN.size + klen :]
