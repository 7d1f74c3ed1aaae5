"""Store errors: each names the reference involved, so a broken result is never mistaken for data."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every result-store failure."""


class InvalidReferenceError(StoreError, ValueError):
    """A reference that is not a bare content key (path traversal, absolute path, other scheme...)."""


class ObjectNotFoundError(StoreError, FileNotFoundError):
    """The reference is well-formed but no object exists for it (deleted, or never written)."""

    def __init__(self, ref: str, url: str) -> None:
        super().__init__(f"attune result store: object {ref} not found under {url}")
        self.ref = ref
        self.url = url


class CorruptObjectError(StoreError):
    """The object exists but its bytes fail a checksum or do not parse."""

    def __init__(self, ref: str, detail: str) -> None:
        super().__init__(f"attune result store: object {ref} is corrupt: {detail}")
        self.ref = ref
        self.detail = detail
