"""The CLI's side of reading stored results: REF arguments and ``--index`` / ``--key`` steps.

XCom row to value (``reference_of``, ``resolve``, ``xcom_return_value``, ``result_store``) lives
next to the XCom backend in ``attune_provider.xcom.lookup``; it is re-exported here for the
commands that import it from this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from attune_provider.cli.errors import CliError
from attune_provider.store.reference import KEY_RE, is_reference, parse_reference
from attune_provider.xcom.lookup import reference_of, resolve, result_store, xcom_return_value

__all__ = ["parse_ref", "reference_of", "resolve", "result_store", "walk", "xcom_return_value"]


def parse_ref(text: str) -> tuple[str, tuple[str | int, ...]]:
    """A bare 64-hex key, ``attune://<key>``, or the reference JSON shown in the XCom tab."""
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
