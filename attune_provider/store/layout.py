"""Byte layout of a stored value: an offset index so one element costs one small ranged read.

Why a custom layout: a mapped task instance must read ``value[i]`` (or ``value["k"]``) without
reading the rest of a possibly huge result. JSON is not seekable, so every object carries its own
index.

Object bytes::

    b"ATN2" | u32 header_len | 32-byte object key | header JSON | u32 crc32(header JSON) | body...

The object key (the name the object is stored under) is the sha256 of the object bytes with the
key field zeroed, and it is recorded in the object itself: opening an object compares it with the
name asked for, so a file holding another object's bytes (swapped, mis-copied, restored to the
wrong place) fails on its first read instead of answering with the other value -- without hashing
the whole object on a partial read.

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

The root header also carries the object's salt (a digest over every payload digest), and every
index entry's crc32 is seeded with it: an entry read from another object's file (replaced while a
reader holds the header) fails its checksum.

Integrity: opening checks the recorded key against the requested one; every payload read is
checked against the digest in its entry, every entry against its own salted crc32, the root
header against its crc32; a full read (``ResultStore.read_bytes``) also recomputes the key. All offsets
are absolute within the object.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from attune_provider.store.codec import KIND_JSON, KIND_ZSTD, Codec

MAGIC = b"ATN2"
LEGACY_MAGIC = b"ATN1"
PREFIX = struct.Struct("<4sI32s")
KEY_FIELD = slice(8, 40)
NO_KEY = bytes(32)
CRC = struct.Struct("<I")
ENTRY = struct.Struct("<QQQ16sB3xI")
ENTRY_SIZE = ENTRY.size  # 48
KEYLEN = struct.Struct("<I")

KIND_EMPTY = 0
KIND_NODE = 3
LEAF_KINDS = (KIND_JSON, KIND_ZSTD)

MAX_DEPTH = 4
"""Containers nested deeper than this are stored as one leaf."""

NEST_MIN_BYTES = 64 * 1024
"""A list ELEMENT that is a list/dict gets its own index only from this encoded size on: smaller
ones stay plain values, so a mapped instance's ``item`` is a plain dict/list, read in one go."""

MAPPING_NEST_MIN_BYTES = 1024
"""A mapping VALUE that is a list/dict gets its own index from this size on, so
``result.data.items[7]`` reads item 7 only, even when the list is small."""

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

    def pack(self, salt: bytes) -> bytes:
        body = ENTRY.pack(self.keyhash, self.offset, self.length, self.digest, self.kind, 0)
        return body[:-4] + CRC.pack(zlib.crc32(body[:-4], zlib.crc32(salt)))

    @classmethod
    def unpack(cls, raw: bytes, salt: bytes) -> Entry:
        """Decode one entry of the object whose salt is ``salt`` (another object's entry fails)."""
        if len(raw) != ENTRY_SIZE:
            raise LayoutError(f"truncated index entry ({len(raw)} of {ENTRY_SIZE} bytes)")
        keyhash, offset, length, dig, kind, crc = ENTRY.unpack(raw)
        if zlib.crc32(raw[:-4], zlib.crc32(salt)) != crc:
            raise LayoutError("index entry checksum mismatch (damaged, or another object's entry)")
        return cls(keyhash, offset, length, dig, kind)


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
        self.tables: list[tuple[int, list[Entry]]] = []  # packed once the salt is known
        self._salt = hashlib.blake2b(digest_size=16)

    def emit(self, data: bytes) -> int:
        off = self.pos
        self.parts.append(data)
        self.pos += len(data)
        return off

    def emit_table(self, entries: list[Entry]) -> int:
        self.tables.append((len(self.parts), entries))
        return self.emit(bytes(len(entries) * ENTRY_SIZE))

    def digest(self, data: bytes) -> bytes:
        """Digest of one payload; every digest also feeds the object's salt."""
        d = digest(data)
        self._salt.update(d)
        return d

    def finish(self) -> tuple[bytes, bytes]:
        """(salt, body): the salt depends on every payload, and every entry's checksum on it."""
        salt = self._salt.digest()
        for index, entries in self.tables:
            self.parts[index] = b"".join(e.pack(salt) for e in entries)
        return salt, b"".join(self.parts)

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
                entries.append(Entry(0, off, len(payload), self.digest(payload), kind))
            tab = self.emit_table(entries)
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
            slots[i] = Entry(h, off, len(payload), self.digest(payload), kind)
        empty = Entry(0, 0, 0, b"\0" * 16, KIND_EMPTY)
        tab = self.emit_table([s or empty for s in slots])
        kkind, kdata = self.codec.encode_leaf(keys)
        koff = self.emit(kdata)
        return {
            "t": "d",
            "len": len(keys),
            "tab": tab,
            "cap": cap,
            "keys": {"o": koff, "n": len(kdata), "k": kkind, "h": self.digest(kdata).hex()},
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
) -> tuple[str, bytes]:
    """(object key, object bytes) of ``value`` (see module docstring). Deterministic."""
    base = 0
    for _ in range(8):
        w = _Writer(codec, nest_min_bytes, max_depth)
        w.pos = base
        if indexable(value):
            header = w.node(value, 0)
        else:
            kind, data = codec.encode_leaf(value)
            off = w.emit(data)
            header = {"t": "v", "o": off, "n": len(data), "k": kind, "h": w.digest(data).hex()}
        salt, body = w.finish()
        header["s"] = salt.hex()
        hjson = json.dumps(header, separators=(",", ":")).encode()
        needed = PREFIX.size + len(hjson) + CRC.size
        if needed == base:
            head = PREFIX.pack(MAGIC, len(hjson), NO_KEY) + hjson + CRC.pack(zlib.crc32(hjson))
            unsealed = head + body
            key = object_key(unsealed)
            return key, unsealed[: KEY_FIELD.start] + bytes.fromhex(key) + unsealed[KEY_FIELD.stop :]
        base = needed
    raise LayoutError("object header did not converge")  # pragma: no cover


def object_key(data: bytes) -> str:
    """The key an object is named by: sha256 of its bytes with the key field zeroed."""
    h = hashlib.sha256(memoryview(data)[: KEY_FIELD.start])
    h.update(NO_KEY)
    h.update(memoryview(data)[KEY_FIELD.stop :])
    return h.hexdigest()


def recorded_key(data: bytes) -> str:
    """The key written inside an object (full-read check; ``parse_root`` checks it on open)."""
    if len(data) < PREFIX.size or data[:4] != MAGIC:
        raise LayoutError(_bad_magic(data[:4]))
    return data[KEY_FIELD].hex()


# --------------------------------------------------------------------------- reading


ReadRange = Callable[[int, int], bytes]
"""read(start, end) -> bytes of the object in [start, end)."""


def parse_root(head: bytes, read: ReadRange, ref: str) -> dict:
    """Root header of object ``ref`` from its first bytes (reads more if ``head`` is too short).

    Raises ``LayoutError`` when the bytes are not an object, are damaged, or are another object.
    """
    if len(head) < 4 or head[:4] != MAGIC:
        raise LayoutError(_bad_magic(head[:4]))
    if len(head) < PREFIX.size:
        raise LayoutError("object is truncated (no header)")
    _, hlen, recorded = PREFIX.unpack_from(head)
    if recorded.hex() != ref:
        raise LayoutError(
            f"the file holds another object (its header names {recorded.hex()}): "
            "it was swapped, copied or restored to the wrong name"
        )
    end = PREFIX.size + hlen + CRC.size
    if len(head) < end:
        head = head + read(len(head), end)
        if len(head) < end:
            raise LayoutError("object is truncated (header)")
    hjson = head[PREFIX.size : PREFIX.size + hlen]
    (crc,) = CRC.unpack_from(head, PREFIX.size + hlen)
    if zlib.crc32(hjson) != crc:
        raise LayoutError("object header checksum mismatch")
    root = parse_header(hjson)
    if not isinstance(root.get("s"), str) or len(root["s"]) != 32:
        raise LayoutError("object header has no salt")
    return root


def _bad_magic(magic: bytes) -> str:
    if magic == LEGACY_MAGIC:
        return (
            "written in the older ATN1 format, which cannot prove its identity on a partial read: "
            "re-run the task that produced it (or delete the object)"
        )
    if len(magic) < 4:
        return "object is truncated (no header)"
    return "not an attune object (bad magic)"


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


def probe(node: dict, key: str, entry_at: Callable[[int], Entry], key_of: Callable[[Entry], str]) -> Entry | None:
    """The entry of ``key`` in a dict node (open addressing, about one probe), or None.

    ``entry_at(slot)`` reads one table entry; ``key_of(entry)`` the key stored in its payload.
    """
    cap = node["cap"]
    h = key_hash(key)
    slot = h & (cap - 1)
    for _ in range(cap):
        entry = entry_at(slot)
        if entry.kind == KIND_EMPTY:
            return None
        if entry.keyhash == h and key_of(entry) == key:
            return entry
        slot = (slot + 1) & (cap - 1)
    return None


def decode_whole(node: dict, read: ReadRange, codec: Codec, salt: bytes) -> Any:
    """Decode a whole node from ``read`` (memory slices of a fully read, verified object)."""

    def payload(e: Entry) -> bytes:
        return verified(read(e.offset, e.offset + e.length), e.digest, "element")

    def child(kind: int, data: bytes) -> Any:
        if kind == KIND_NODE:
            return decode_whole(parse_header(data), read, codec, salt)
        return codec.decode_leaf(kind, data)

    def entries(count: int) -> list[Entry]:
        table = read(node["tab"], node["tab"] + count * ENTRY_SIZE)
        return [Entry.unpack(table[i * ENTRY_SIZE : (i + 1) * ENTRY_SIZE], salt) for i in range(count)]

    if node["t"] == "v":
        return codec.decode_leaf(
            node["k"], verified(read(node["o"], node["o"] + node["n"]), bytes.fromhex(node["h"]), "value")
        )
    if node["t"] == "l":
        return [child(e.kind, payload(e)) for e in entries(node["len"])]
    found: dict[str, Any] = {}
    for e in entries(node["cap"]):
        if e.kind != KIND_EMPTY:
            key, data = split_dict_payload(payload(e))
            found[key] = child(e.kind, data)
    k = node["keys"]
    keys = codec.decode_leaf(k["k"], verified(read(k["o"], k["o"] + k["n"]), bytes.fromhex(k["h"]), "keys"))
    if not isinstance(keys, list) or sorted(keys) != sorted(found):
        raise LayoutError("mapping keys do not match its index")
    return {key: found[key] for key in keys}
