"""XCom backend that keeps each task result once in the attune result store (docs/xcom-backend.md).

* Only ``return_value`` is offloaded (above ``[attune] inline_threshold`` bytes, default 0 =
  always); every other key goes through ``BaseXCom`` untouched, because the scheduler reads rows
  such as ``skipmixin_key`` raw from the database.
* The XCom row holds a small JSON reference (see ``store.reference``) with a preview for the UI.
* ``deserialize_value`` hands attune's own operators lazy read-only views; every other task gets
  the plain ``list`` / ``dict`` ``BaseXCom`` would give it, except that Airflow's own mapped
  expansion over a stored list stays lazy, so a mapped task instance indexing ``value[map_index]``
  reads only its own element (``consumers``). ``TaskMap`` length is unaffected: Airflow takes
  ``len(value)`` before serialization.
* ``[attune] offload = attune`` limits offloading to DAGs compiled from attune YAML (``scope``).
* A task returning a view (e.g. an upstream's result, or a part of it) stores the SAME object by
  reference again -- no re-encoding, no copy.
* ``purge`` (called by Airflow when a task instance starts a new try) deletes the object only when
  no other XCom row references it (content addressing shares objects); the check uses the
  metadata DB through the ORM when this process can reach it, otherwise (real workers have no DB
  access in Airflow 3) the holder markers each row leaves in the store (``store.holders``).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from typing import Any

from airflow.sdk.bases.xcom import BaseXCom

from attune_provider.store.holders import Holders, holder_id, holder_label
from attune_provider.store.lazy import LazySequence, is_view, to_plain
from attune_provider.store.preview import build_preview, check_unedited
from attune_provider.store.reference import (
    MARKER,
    is_reference,
    iter_reference_keys,
    kind_of,
    make_reference,
    parse_reference,
)
from attune_provider.store.registry import current_registrant, heartbeat
from attune_provider.store.result_store import ResultStore, StoredObject
from attune_provider.xcom.consumers import for_airflow_or_user
from attune_provider.xcom.scope import offloads_current_task, views_for_current_task

log = logging.getLogger(__name__)

_DELETING: contextvars.ContextVar[tuple[str, str, str, str, int | None] | None] = contextvars.ContextVar(
    "attune_xcom_deleting", default=None
)


def _store() -> ResultStore:
    return ResultStore.from_settings()


def _inline_threshold() -> int:
    from attune_provider.store.settings import store_settings

    return store_settings().inline_threshold


def _inline_row(value: Any, key: str) -> Any | None:
    """The plain ``BaseXCom`` row for a value under ``[attune] inline_threshold``, else None."""
    threshold = _inline_threshold()
    if threshold <= 0:
        return None
    inline = BaseXCom.serialize_value(value, key=key)
    return inline if len(json.dumps(inline, default=str)) < threshold else None


def _enter_reader_scope(store: ResultStore) -> None:
    """Attribute reads (and a fresh cache) to the running task instance, if there is one."""
    try:
        from airflow.sdk import get_current_context

        ti = get_current_context()["ti"]
        label = f"{ti.dag_id}/{ti.run_id}/{ti.task_id}/{ti.map_index}/{ti.try_number}"
    except Exception:  # no task context: API server, CLI, tests calling directly
        return
    store.begin_scope(label)


class AttuneXComBackend(BaseXCom):
    """``[core] xcom_backend = attune_provider.xcom.AttuneXComBackend``."""

    @classmethod
    def serialize_value(
        cls,
        value: Any,
        *,
        key: str | None = None,
        task_id: str | None = None,
        dag_id: str | None = None,
        run_id: str | None = None,
        map_index: int | None = None,
    ) -> Any:
        if key != BaseXCom.XCOM_RETURN_KEY or not offloads_current_task(dag_id):
            return BaseXCom.serialize_value(value, key=key, task_id=task_id, dag_id=dag_id, run_id=run_id)
        if not is_view(value):
            value = to_plain(value)
            inline = _inline_row(value, key)  # decided before the store is touched: no S3 for it
            if inline is not None:
                return inline
        store = _store()
        registrant = heartbeat(store)  # this deployment's lease on the (maybe shared) store
        holder = (
            holder_id(dag_id, run_id, task_id, map_index, registrant) if dag_id and run_id and task_id else None
        )
        label = holder_label(dag_id, run_id, task_id, map_index, registrant)  # gc reads the run from it
        if is_view(value):
            vstore, ref, path = value.attune_reference
            if vstore.url == store.url:
                if holder:
                    Holders(store).add(ref, holder, label)
                kind = "list" if isinstance(value, LazySequence) else "dict"
                size = _object_size(store, ref)
                return make_reference(ref, path, kind=kind, length=len(value), size=size, preview=None)
            value = to_plain(value)  # a view of another store: copied into this one
            inline = _inline_row(value, key)
            if inline is not None:
                return inline
        if holder:  # the hold comes before the write: see store.holders for why
            key, data = store.encode_object(value)
            holders = Holders(store)
            holders.add(key, holder, label)
            try:
                store.write_object(key, data)
            except BaseException:  # a full disk: no row will reference it, so no marker may stay
                with contextlib.suppress(OSError):
                    holders.drop(key, holder)
                raise
            stored = StoredObject(key, len(data))
        else:
            stored = store.put_object(value)
        kind, length = kind_of(value)
        return make_reference(
            stored.key,
            (),
            kind=kind,
            length=length,
            size=stored.size,
            preview=build_preview(value, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index),
        )

    @staticmethod
    def deserialize_value(result: Any) -> Any:
        value = result.value
        if isinstance(value, str) and value.startswith("{") and MARKER in value:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        if is_reference(value):
            check_unedited(value)
            key, path = parse_reference(value)
            store = _store()
            _enter_reader_scope(store)
            value = store.load(key, path)
            return value if views_for_current_task() else for_airflow_or_user(value)
        return BaseXCom.deserialize_value(result)

    @classmethod
    def delete(cls, key: str, task_id: str, dag_id: str, run_id: str, map_index: int | None = None) -> None:
        token = _DELETING.set((key, task_id, dag_id, run_id, map_index))
        try:
            super().delete(key=key, task_id=task_id, dag_id=dag_id, run_id=run_id, map_index=map_index)
        finally:
            _DELETING.reset(token)

    @classmethod
    def purge(cls, xcom: Any, *args: Any) -> None:
        value = getattr(xcom, "value", None)
        if isinstance(value, str) and MARKER in value:
            try:
                value = json.loads(value)
            except ValueError:
                return
        keys = set(iter_reference_keys(value))
        if not keys:
            return
        store = _store()
        row = _DELETING.get()
        holders = Holders(store)
        holder = holder_id(row[2], row[3], row[1], row[4], current_registrant()) if row is not None else None
        for ref in sorted(keys):
            others = other_references(ref, row)
            if others is not None:
                if holder:
                    holders.drop(ref, holder)
                if others == 0:
                    store.delete(ref)
                    log.info("attune: purged store object %s", ref)
            elif holder and holders.release(ref, holder):
                log.info("attune: purged store object %s (no other holder)", ref)
            else:
                log.info("attune: keeping %s (still held, or its holders are unknown; gc decides)", ref)


def other_references(ref: str, row: tuple[str, str, str, str, int | None] | None) -> int | None:
    """XCom rows other than ``row`` that reference object ``ref``; None when the DB is unreachable.

    Without ``row`` (purge called outside ``delete``) the row being purged is assumed to still
    exist and is subtracted once.
    """
    try:
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session
        from sqlalchemy import String, and_, cast, func, not_, select

        stmt = (
            select(func.count()).select_from(XComModel).where(cast(XComModel.value, String).like(f"%{ref}%"))
        )
        if row is not None:
            key, task_id, dag_id, run_id, map_index = row
            same = and_(
                XComModel.key == key,
                XComModel.task_id == task_id,
                XComModel.dag_id == dag_id,
                XComModel.run_id == run_id,
                XComModel.map_index == (-1 if map_index is None else map_index),
            )
            stmt = stmt.where(not_(same))
        with create_session() as session:
            count = int(session.scalar(stmt) or 0)
    except Exception as exc:  # workers without DB access (Airflow 3 default) land here
        log.debug("attune: XCom reference check unavailable: %s", exc)
        return None
    return count if row is not None else max(0, count - 1)


def _object_size(store: ResultStore, ref: str) -> int:
    return store.object_size(ref)
