"""Parameter documents (json / yaml / dotenv) and output parsing (text / json / yaml / jsonl).

Both follow attune's worker: the parameter document is written followed by one newline;
structured stdout is parsed only on exit 0 and only when non-empty.

dotenv, as attune writes it: one ``key='value'`` line per parameter; the value is single-quoted
with ``'`` written as ``'\\''`` (so ``eval``/``source`` in a shell restores it exactly); nested
objects are flattened to dotted keys (``headers.Authorization='...'``); lists are JSON text;
booleans are ``true``/``false``; null is the empty string; an empty object writes no line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

PARAMETER_FORMATS = ("json", "yaml", "dotenv")
OUTPUT_FORMATS = ("text", "json", "yaml", "jsonl")
PARAMETER_DELIVERIES = ("stdin", "file")


class OutputParseError(ValueError):
    """stdout did not match the action's ``output_format``."""


def to_plain(value: Any) -> Any:
    """Mappings -> dict and sequences -> list, recursively (read-only store views, tuples),
    so every serializer sees plain JSON types; other values are returned unchanged."""
    if isinstance(value, Mapping):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        return [to_plain(item) for item in value]
    return value


def _dotenv_scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, default=str, separators=(",", ":"))


def _dotenv_lines(prefix: str, value: Any, lines: list[str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _dotenv_lines(f"{prefix}.{key}" if prefix else str(key), item, lines)
        return
    quoted = _dotenv_scalar(value).replace("'", "'\\''")
    lines.append(f"{prefix}='{quoted}'")


def format_dotenv(values: Mapping[str, Any]) -> str:
    lines: list[str] = []
    _dotenv_lines("", values, lines)
    return "\n".join(lines)


def format_parameters(values: Mapping[str, Any], fmt: str) -> str:
    """The parameter document (without the trailing newline attune appends).

    Values JSON cannot represent (dates, ...) are written as their text.
    """
    plain = json.loads(json.dumps(to_plain(values), default=str))
    if fmt == "json":
        return json.dumps(plain, indent=2)
    if fmt == "yaml":
        return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True).rstrip("\n")
    if fmt == "dotenv":
        return format_dotenv(plain)
    raise ValueError(f"unknown parameter_format {fmt!r}; expected one of {', '.join(PARAMETER_FORMATS)}")


def parse_output(stdout: str, fmt: str) -> Any:
    """Parsed ``data`` for a successful run; ``None`` for text or empty output."""
    if fmt == "text":
        return None
    text = stdout.strip()
    if not text:
        return None
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            # attune tries the whole stdout first, then its last line (logs before the JSON)
            last = text.splitlines()[-1].strip()
            try:
                return json.loads(last)
            except json.JSONDecodeError:
                raise OutputParseError(f"output_format json: stdout is not valid JSON: {exc}") from None
    if fmt == "yaml":
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise OutputParseError(f"output_format yaml: stdout is not valid YAML: {exc}") from None
    if fmt == "jsonl":
        items = []
        for number, line in enumerate(stdout.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise OutputParseError(
                    f"output_format jsonl: stdout line {number} is not valid JSON: {exc}"
                ) from None
        return items
    raise OutputParseError(f"unknown output_format {fmt!r}; expected one of {', '.join(OUTPUT_FORMATS)}")
