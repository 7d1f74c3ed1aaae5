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


class StoreWriteError(StoreError, OSError):
    """Writing to the store failed (disk full, permission, network); names the store and the file.

    Keeps the ``errno`` of the underlying ``OSError`` (``ENOSPC`` for a full disk).
    """

    def __init__(self, url: str, path: str, error: OSError) -> None:
        reason = error.strerror or str(error) or type(error).__name__
        super().__init__(error.errno, f"attune result store {url}: cannot write {path}: {reason}")
        self.url = url
        self.path = path
