"""The store's files on any fsspec URL: the only module that talks to fsspec.

Everything else (objects, holder markers, variable records, GC) goes through ``StoreFiles``, so
atomic writes, path safety and "missing means FileNotFoundError / None" are decided once.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from attune_provider.local_files import write_atomically
from attune_provider.store.errors import InvalidReferenceError, StoreWriteError


@dataclass(frozen=True)
class FileInfo:
    """One file: full path, last path component, size and mtime (None when the backend has none)."""

    path: str
    name: str
    size: int
    mtime: float | None

    def age(self, now: float | None = None) -> float:
        """Seconds since the last write (0 when the backend reports no time: treated as new)."""
        return 0.0 if self.mtime is None else (now or time.time()) - self.mtime


class StoreFiles:
    """Files under one root URL (``file://``, ``memory://``, ``s3://``...)."""

    def __init__(self, url: str, conn_id: str = "") -> None:
        self.url = url
        self.fs, root = _filesystem(url, conn_id)
        self.root = root.rstrip("/")
        self.is_local = isinstance(self.fs, LocalFileSystem)

    def path(self, *parts: str) -> str:
        """A path under the root; each part is one validated component (never '..', '/' or '')."""
        for p in parts:
            if not p or p in (".", "..") or "/" in p or "\\" in p:
                raise InvalidReferenceError(f"invalid store path component {p!r}")
        return "/".join([self.root, *parts])

    # ------------------------------------------------------------------ writing

    def write_atomic(self, path: str, data: bytes) -> None:
        """No reader ever sees a partial file: temp + rename locally, one put elsewhere.

        A failed write (a full disk) leaves no temp file and raises ``StoreWriteError`` naming the
        store and the file.
        """
        try:
            if not self.is_local:
                self.fs.pipe_file(path, data)
                return
            write_atomically(path, data)
        except StoreWriteError:
            raise
        except OSError as exc:
            raise StoreWriteError(self.url, path, exc) from exc

    def write_if_absent(self, path: str, data: bytes) -> bool:
        """Create ``path`` unless it exists (idempotent seeds); True when this call wrote it."""
        if self.fs.exists(path):
            return False
        self.write_atomic(path, data)
        return True

    def touch(self, path: str) -> bool:
        """Set the mtime to now (local files only); False when the file is gone or not local."""
        if not self.is_local:
            return False
        try:
            os.utime(path)
        except FileNotFoundError:
            return False
        return True

    # ------------------------------------------------------------------ reading

    def read(self, path: str, start: int | None = None, end: int | None = None) -> bytes:
        """Bytes of ``path`` (or of [start, end)); FileNotFoundError when it does not exist."""
        return self.fs.cat_file(path, start=start, end=end)

    def info(self, path: str) -> FileInfo | None:
        try:
            return _file_info(path, self.fs.info(path))
        except FileNotFoundError:
            return None

    def list_dir(self, path: str) -> list[FileInfo]:
        """Entries directly under a directory ([] when absent); dot-files (temp files) skipped."""
        try:
            found = self.fs.ls(path, detail=True)
        except (FileNotFoundError, NotADirectoryError):
            return []
        infos = [_file_info(i["name"], i) for i in found]
        return sorted((i for i in infos if not i.name.startswith(".")), key=lambda i: i.name)

    def find(self, path: str) -> list[FileInfo]:
        """Every file below a directory, recursively ([] when absent)."""
        try:
            found = self.fs.find(path, detail=True)
        except FileNotFoundError:
            return []
        return [_file_info(p, i) for p, i in found.items()]

    # ------------------------------------------------------------------ removing / moving

    def remove(self, path: str) -> bool:
        """Delete one file; True if it existed."""
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            return False
        return True

    def remove_tree(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(path, recursive=True)

    def move(self, source: str, target: str) -> bool:
        """Rename ``source`` to ``target`` (same store); False when ``source`` is gone."""
        if self.is_local:
            os.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            try:
                os.rename(source, target)
            except FileNotFoundError:
                return False
            return True
        try:
            self.fs.mv(source, target)
        except FileNotFoundError:
            return False
        return True


def _file_info(path: str, info: dict[str, Any]) -> FileInfo:
    path = str(path).rstrip("/")
    return FileInfo(path, path.rsplit("/", 1)[-1], int(info.get("size") or 0), _mtime(info))


def _mtime(info: dict[str, Any]) -> float | None:
    for name in ("mtime", "LastModified", "last_modified", "updated", "created", "timeCreated"):
        value = info.get(name)
        if value is None:
            continue
        if isinstance(value, (int, float)):
            return float(value)
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        if isinstance(value, str):
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
