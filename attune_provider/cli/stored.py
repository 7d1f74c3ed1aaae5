"""Reading task results the way users see them: XCom rows resolved through the result store.

Shared by ``run`` / ``show`` and the UI plugin: an XCom row holds either a plain JSON value or
a small store reference (``{"__attune_ref__": 1, "key": ..., "path": [...]}``); these helpers
turn either into the value, reading only what is asked for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from attune_provider.cli.errors import CliError

KEY_RE = re.compile(r"[0-9a-f]{64}")


def result_store() -> Any:
    from attune_provider.store.result_store import ResultStore

    return ResultStore.from_settings()


def parse_ref(text: str) -> tuple[str, tuple[str | int, ...]]:
    """A bare 64-hex key, ``attune://<key>``, or the reference JSON shown in the XCom tab."""
    from attune_provider.store.reference import is_reference, parse_reference

    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise CliError(f"REF looks like JSON but does not parse: {exc}") from None
        if not is_reference(obj):
            raise CliError("REF JSON is not an attune store reference (no __attune_ref__ / key)")
        return parse_reference(obj)
    key = stripped.removeprefix("attune://").strip("/")
    if not KEY_RE.fullmatch(key):
        raise CliError(f"REF {text[:80]!r} is not a store reference: expected a 64-character hex key")
    return key, ()


def reference_of(value: Any) -> tuple[str, tuple[str | int, ...]] | None:
    """(key, path) when an XCom value is a store reference (dict or its JSON text), else None."""
    from attune_provider.store.reference import is_reference, parse_reference

    if isinstance(value, str) and value.lstrip().startswith("{") and "__attune_ref__" in value:
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if is_reference(value):
        return parse_reference(value)
    return None


def walk(value: Any, steps: Sequence[tuple[str, str]]) -> Any:
    """Apply ``("index", "3" | "2:5")`` / ``("key", "k")`` steps to a (lazy) value."""
    for kind, raw in steps:
        if kind == "key":
            if not isinstance(value, Mapping):
                raise CliError(f"--key {raw!r}: value is a {type(value).__name__}, not a mapping")
            if raw not in value:
                keys = list(value.keys())
                shown = ", ".join(map(str, keys[:10])) + (" ..." if len(keys) > 10 else "")
                raise CliError(f"--key {raw!r}: no such key (keys: {shown})")
            value = value[raw]
            continue
        if isinstance(value, Mapping) or not isinstance(value, Sequence) or isinstance(value, str | bytes):
            raise CliError(f"--index {raw}: value is a {type(value).__name__}, not a list")
        try:
            if ":" in raw:
                parts = [int(p) if p.strip() else None for p in raw.split(":")]
                if len(parts) > 3:
                    raise ValueError
                value = [value[i] for i in range(*slice(*parts).indices(len(value)))]
            else:
                value = value[int(raw)]
        except ValueError:
            raise CliError(f"--index {raw!r}: expected an integer or a slice like 10:20") from None
        except IndexError:
            raise CliError(f"--index {raw}: out of range (length {len(value)})") from None
    return value


def xcom_return_value(dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> tuple[bool, Any]:
    """(found, deserialized ``return_value`` row) of one task instance; the CLI and the UI view share it."""
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


def resolve(value: Any, store: Any = None) -> Any:
    """The value behind a reference (lazy views for lists/dicts), or ``value`` itself."""
    ref = reference_of(value)
    if ref is None:
        return value
    key, path = ref
    return (store or result_store()).load(key, path)
