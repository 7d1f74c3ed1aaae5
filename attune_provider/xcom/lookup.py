"""XCom row to value outside a running task: the CLI (``run``, ``show``, ``store``) and the UI view.

A ``return_value`` row holds a plain JSON value or a store reference (``store.reference``). Unlike
``AttuneXComBackend.deserialize_value`` (which hands non-attune code plain values), ``resolve``
returns lazy views, so showing one page or one key of a large result reads only that part.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from attune_provider.store.reference import MARKER, is_reference, parse_reference

if TYPE_CHECKING:
    from attune_provider.store.result_store import ResultStore

Reference = tuple[str, tuple[str | int, ...]]


def result_store() -> ResultStore:
    """The configured result store (``[attune] store_url``)."""
    from attune_provider.store.result_store import ResultStore

    return ResultStore.from_settings()


def reference_of(value: Any) -> Reference | None:
    """(key, path) when an XCom value is a store reference (dict or its JSON text), else None."""
    if isinstance(value, str) and value.lstrip().startswith("{") and MARKER in value:
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if is_reference(value):
        return parse_reference(value)
    return None


def resolve(value: Any, store: ResultStore | None = None) -> Any:
    """The value behind a reference (lazy views for lists/dicts), or ``value`` itself."""
    ref = reference_of(value)
    if ref is None:
        return value
    key, path = ref
    return (store or result_store()).load(key, path)


def xcom_return_value(dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> tuple[bool, Any]:
    """(found, row value as stored) of one task instance's ``return_value``; pass it to ``resolve``."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.scalar(
            select(XComModel).where(
                XComModel.dag_id == dag_id,
                XComModel.run_id == run_id,
                XComModel.task_id == task_id,
                XComModel.map_index == map_index,
                XComModel.key == "return_value",
            )
        )
        if row is None:
            return False, None
        return True, XComModel.deserialize_value(row)
