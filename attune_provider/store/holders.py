"""Which XCom rows hold a stored object, recorded in the store itself.

Airflow 3 calls ``purge`` inside the task process, which has no metadata-DB access on real
workers (Celery, Kubernetes), so the backend cannot ask the ``xcom`` table whether another row
shares a content-addressed object. Each row that references an object leaves a small marker under
``holders/<key>/`` (written BEFORE the object, so a marker also announces a write in flight);
purging a row removes its marker and deletes the object only when no marker is left. The
collector (``gc``) keeps every object with a marker of a DAG run that still exists or a marker
written recently.

Race with a writer of identical content: a writer always adds its marker *before* it checks for
the object, and the purger moves the object aside, looks for markers again and puts it back if
one appeared, so a hold taken while the purge runs keeps the object.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from attune_provider.store.files import FileInfo
from attune_provider.store.result_store import ResultStore

log = logging.getLogger(__name__)


def holder_id(
    dag_id: str, run_id: str, task_id: str, map_index: int | None, registrant: str | None = None
) -> str:
    """Stable marker name of one XCom row (dag, run, task, map index) of one registrant.

    The registrant (metadata DB, ``store.registry``) is part of the name: two deployments running
    the same DAG and run id on one store must not share (and purge) each other's markers.
    """
    text = f"{dag_id}\x00{run_id}\x00{task_id}\x00{-1 if map_index is None else map_index}"
    if registrant:
        text += f"\x00{registrant}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def holder_label(
    dag_id: str | None,
    run_id: str | None,
    task_id: str | None,
    map_index: int | None,
    registrant: str | None = None,
) -> str:
    """The marker's content: the row it stands for (dag and task ids never contain '/'), then on a
    second line the registrant whose database holds that row (none: written before registrants)."""
    label = f"{dag_id}/{run_id}/{task_id}/{map_index}"
    return f"{label}\n{registrant}" if registrant else label


@dataclass(frozen=True)
class Marker:
    """One holder marker: its file, the DAG run named by its label (None when unlabelled) and the
    registrant (metadata DB) that run belongs to (None: a marker written before registrants)."""

    file: FileInfo
    dag_id: str | None
    run_id: str | None
    registrant: str | None = None


class Holders:
    def __init__(self, store: ResultStore) -> None:
        self.store = store
        self.files = store.files

    def _dir(self, key: str) -> str:
        return self.files.path("holders", self.store.check_key(key))

    def _marker(self, key: str, holder: str) -> str:
        return self.files.path("holders", self.store.check_key(key), holder)

    def add(self, key: str, holder: str, label: str = "") -> None:
        self.files.write_atomic(self._marker(key, holder), label.encode("utf-8"))

    def drop(self, key: str, holder: str) -> None:
        """Remove ``holder``'s marker only (the caller decides about the object)."""
        self.files.remove(self._marker(key, holder))

    def forget(self, key: str) -> None:
        """Remove every marker of a deleted object (``gc``)."""
        self.files.remove_tree(self._dir(key))

    def count(self, key: str) -> int:
        return len(self.files.list_dir(self._dir(key)))

    def markers(self, key: str) -> list[Marker]:
        """Every marker of ``key`` with the DAG run its label names (for ``gc``)."""
        found = []
        for info in self.files.list_dir(self._dir(key)):
            try:
                label = self.files.read(info.path).decode("utf-8")
            except (FileNotFoundError, UnicodeDecodeError):
                label = ""
            label, _, registrant = label.partition("\n")
            parts = label.split("/")
            if len(parts) >= 4:
                found.append(Marker(info, parts[0], "/".join(parts[1:-2]), registrant or None))
            else:
                found.append(Marker(info, None, None, registrant or None))
        return found

    def release(self, key: str, holder: str) -> bool:
        """Drop ``holder``'s marker; delete the object when nobody else holds it. True if deleted.

        A holder that never registered (objects written before markers existed) decides nothing:
        the object is kept for ``gc``.
        """
        if not self.files.remove(self._marker(key, holder)):
            return False
        if self.count(key):
            return False
        aside = self.store.set_aside(key)
        if aside is None:
            return False
        if self.count(key):  # a writer took a hold meanwhile: put the object back
            self.store.put_back(key, aside)
            return False
        self.store.discard(aside)
        return True
