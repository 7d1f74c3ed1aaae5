"""Leaf encoding of stored values: Airflow's serde (so datetimes, tuples... round-trip as with
``BaseXCom``) written as JSON, optionally zstd-compressed when that pays."""

from __future__ import annotations

import json
from typing import Any

KIND_JSON = 1
KIND_ZSTD = 2

COMPRESS_MIN_BYTES = 512


class Codec:
    """Encode/decode one leaf value; ``compression`` is ``"none"`` or ``"zstd"``."""

    def __init__(self, compression: str = "none") -> None:
        self.compression = compression
        self._zc: Any = None
        self._zd: Any = None
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
        """The value of one leaf; ``ValueError`` when the bytes do not decode."""
        if kind == KIND_JSON:
            return self.from_json_bytes(data)
        if kind == KIND_ZSTD:
            if self._zd is None:
                try:
                    import zstandard
                except ImportError as exc:
                    raise ValueError("element is zstd-compressed but zstandard is not installed") from exc
                self._zd = zstandard.ZstdDecompressor()
            try:
                raw = self._zd.decompress(data)
            except Exception as exc:  # zstandard.ZstdError is not a ValueError
                raise ValueError(f"zstd data does not decompress: {exc}") from None
            return self.from_json_bytes(raw)
        raise ValueError(f"unknown leaf kind {kind}")


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
