"""Which XCom rows hold a stored object, recorded in the store itself.

Airflow 3 calls ``purge`` inside the task process, which has no metadata-DB access on real
workers (Celery, Kubernetes), so the backend cannot ask the ``xcom`` table whether another row
shares a content-addressed object. Each row that references an object leaves a small marker under
``holders/<key>/``; purging a row removes its marker and deletes the object only when no marker is
left.

Race with a writer of identical content: a writer always adds its marker *before* it checks for
the object, and the purger moves the object aside, looks for markers again and puts it back if
one appeared, so a hold taken while the purge runs keeps the object.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import uuid

from attune_provider.store.result_store import ResultStore

log = logging.getLogger(__name__)


def holder_id(dag_id: str, run_id: str, task_id: str, map_index: int | None) -> str:
    """Stable marker name of one XCom row (dag, run, task, map index)."""
    text = f"{dag_id}\x00{run_id}\x00{task_id}\x00{-1 if map_index is None else map_index}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


class Holders:
    def __init__(self, store: ResultStore) -> None:
        self.store = store

    def _dir(self, key: str) -> str:
        return self.store.subpath("holders", self.store.check_key(key))

    def _marker(self, key: str, holder: str) -> str:
        return f"{self._dir(key)}/{holder}"

    def add(self, key: str, holder: str, label: str = "") -> None:
        self.store.write_atomic(self._marker(key, holder), label.encode("utf-8"))

    def drop(self, key: str, holder: str) -> None:
        """Remove ``holder``'s marker only (the caller decides about the object)."""
        with contextlib.suppress(FileNotFoundError):
            self.store.fs.rm_file(self._marker(key, holder))

    def forget(self, key: str) -> None:
        """Remove every marker of a deleted object (``gc``)."""
        with contextlib.suppress(FileNotFoundError):
            self.store.fs.rm(self._dir(key), recursive=True)

    def holds(self, key: str, holder: str) -> bool:
        return self.store.fs.exists(self._marker(key, holder))

    def count(self, key: str) -> int:
        try:
            names = self.store.fs.ls(self._dir(key), detail=False)
        except FileNotFoundError:
            return 0
        return sum(1 for name in names if not str(name).rstrip("/").rsplit("/", 1)[-1].startswith("."))

    def release(self, key: str, holder: str) -> bool:
        """Drop ``holder``'s marker; delete the object when nobody else holds it. True if deleted.

        A holder that never registered (objects written before markers existed) decides nothing:
        the object is kept for ``gc``.
        """
        fs = self.store.fs
        marker = self._marker(key, holder)
        if not fs.exists(marker):
            return False
        fs.rm_file(marker)
        if self.count(key):
            return False
        source = self.store.object_path(key)
        aside = self.store.subpath("trash", f"{key}.{uuid.uuid4().hex}")
        fs.makedirs(aside.rsplit("/", 1)[0], exist_ok=True)
        try:
            fs.mv(source, aside)
        except FileNotFoundError:
            return False
        if self.count(key):  # a writer took a hold meanwhile: put the object back
            if fs.exists(source):
                fs.rm_file(aside)
            else:
                fs.mv(aside, source)
            return False
        fs.rm_file(aside)
        self.store.delete(key)  # drops cached elements of the object (the file is already gone)
        return True
