"""Structured reads of one stored object: the root header, list/dict elements, whole values.

Why a separate piece: ``ResultStore`` owns files, caching and writes; this is the read side of
the layout (``layout`` decodes, this class fetches just the byte ranges a read needs, verifies
them and caches the decoded parts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from attune_provider.store import layout
from attune_provider.store.errors import CorruptObjectError, InvalidReferenceError
from attune_provider.store.lazy import make_view

if TYPE_CHECKING:
    from attune_provider.store.cache import ObjectCache
    from attune_provider.store.codec import Codec


class ObjectReader:
    """Mixin of ``ResultStore``: needs ``read_range``, ``read_bytes``, ``codec`` and ``_cache``."""

    url: str
    codec: Codec
    _cache: ObjectCache

    def read_range(self, ref: str, start: int, end: int) -> bytes:
        raise NotImplementedError

    def read_bytes(self, ref: str) -> bytes:
        raise NotImplementedError

    def load(self, ref: str, path: Sequence[str | int] = ()) -> Any:
        """The value of an object: a lazy view for an indexed list/dict, else the plain value."""
        node = self.root_node(ref)
        value: Any = make_view(self, ref, (), node) if node["t"] != "v" else self.leaf(ref, node)
        for step in path:
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError) as exc:
                raise InvalidReferenceError(f"path {list(path)!r} does not exist in object {ref}") from exc
        return value

    def load_plain(self, ref: str) -> Any:
        """The whole value as plain Python (one full read, verified)."""
        data = self.read_bytes(ref)

        def read(start: int, end: int) -> bytes:
            return data[start:end]

        try:
            node = layout.parse_root(data[: layout.HEAD_READ], read, ref)
            return layout.decode_whole(node, read, self.codec, bytes.fromhex(node["s"]))
        except (layout.LayoutError, ValueError) as exc:
            raise CorruptObjectError(ref, str(exc)) from None

    def root_node(self, ref: str) -> dict:
        """The root header of ``ref``, after checking the file really holds that object."""
        cached = self._cache.get(("root", ref))
        if cached is not None:
            return cached
        head = self.read_range(ref, 0, layout.HEAD_READ)
        try:
            node = layout.parse_root(head, lambda s, e: self.read_range(ref, s, e), ref)
        except layout.LayoutError as exc:
            raise CorruptObjectError(ref, str(exc)) from None
        self._cache.put(("root", ref), node, 256)
        return node

    def leaf(self, ref: str, node: dict) -> Any:
        data = self._verified_range(ref, node["o"], node["n"], bytes.fromhex(node["h"]), "value")
        return self._decode(ref, node["k"], data)

    def list_entry(self, ref: str, node: dict, index: int) -> layout.Entry:
        ck = ("entry", ref, node["tab"], index)
        entry = self._cache.get(ck)
        if entry is None:
            entry = self._entry_at(ref, node, index)
            self._cache.put(ck, entry, layout.ENTRY_SIZE)
        return entry

    def list_item(self, ref: str, node: dict, index: int) -> tuple[int, bytes]:
        """(kind, payload) of element ``index`` of a list node."""
        entry = self.list_entry(ref, node, index)
        return entry.kind, self._payload(ref, entry)

    def dict_item(self, ref: str, node: dict, key: str) -> tuple[int, bytes] | None:
        """(kind, value bytes) of ``key`` in a dict node, or None when absent (one probe on average)."""
        ck = ("slot", ref, node["tab"], key)
        entry = self._cache.get(ck)
        if entry is None:
            entry = layout.probe(
                node,
                key,
                lambda slot: self._entry_at(ref, node, slot),
                lambda e: self._split(ref, self._payload(ref, e))[0],
            )
            if entry is None:
                return None
            self._cache.put(ck, entry, layout.ENTRY_SIZE + len(key))
        return entry.kind, self._split(ref, self._payload(ref, entry))[1]

    def dict_keys(self, ref: str, node: dict) -> list[str]:
        ck = ("keys", ref, node["tab"])
        keys = self._cache.get(ck)
        if keys is None:
            k = node["keys"]
            data = self._verified_range(ref, k["o"], k["n"], bytes.fromhex(k["h"]), "mapping keys")
            keys = self._decode(ref, k["k"], data)
            if not isinstance(keys, list):
                raise CorruptObjectError(ref, "mapping keys are not a list")
            self._cache.put(ck, keys, k["n"] + 64)
        return list(keys)

    def decode_child(self, ref: str, kind: int, data: bytes) -> tuple[dict | None, Any]:
        """(node header, None) for an indexed child, else (None, plain value)."""
        if kind == layout.KIND_NODE:
            try:
                return layout.parse_header(data), None
            except layout.LayoutError as exc:
                raise CorruptObjectError(ref, str(exc)) from None
        return None, self._decode(ref, kind, data)

    def _decode(self, ref: str, kind: int, data: bytes) -> Any:
        try:
            return self.codec.decode_leaf(kind, data)
        except ValueError as exc:
            raise CorruptObjectError(ref, f"undecodable element: {exc}") from None

    def _entry_at(self, ref: str, node: dict, slot: int) -> layout.Entry:
        start = node["tab"] + slot * layout.ENTRY_SIZE
        raw = self.read_range(ref, start, start + layout.ENTRY_SIZE)
        try:
            return layout.Entry.unpack(raw, bytes.fromhex(self.root_node(ref)["s"]))
        except layout.LayoutError as exc:
            raise CorruptObjectError(ref, f"{exc} at offset {start}") from None

    def _split(self, ref: str, payload: bytes) -> tuple[str, bytes]:
        try:
            return layout.split_dict_payload(payload)
        except (layout.LayoutError, ValueError) as exc:
            raise CorruptObjectError(ref, str(exc)) from None

    def _payload(self, ref: str, entry: layout.Entry) -> bytes:
        return self._verified_range(ref, entry.offset, entry.length, entry.digest, "element")

    def _verified_range(self, ref: str, offset: int, length: int, dig: bytes, what: str) -> bytes:
        ck = ("bytes", ref, offset)
        data = self._cache.get(ck)
        if data is not None:
            return data
        data = self.read_range(ref, offset, offset + length)
        if len(data) != length:
            raise CorruptObjectError(ref, f"{what} at offset {offset} is truncated")
        if layout.digest(data) != dig:
            raise CorruptObjectError(ref, f"{what} at offset {offset} fails its digest")
        self._cache.put(ck, data, length)
        return data
