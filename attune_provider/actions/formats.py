"""Output parsing (text / json / yaml / jsonl) as attune's worker does it.

structured stdout is parsed only on exit 0 and only when non-empty. The parameter documents
an action reads live in ``parameter_documents`` (``format_parameters`` is kept here as the
public name).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from attune_provider.actions.parameter_documents import PARAMETER_FORMATS, parameter_document

__all__ = [
    "OUTPUT_FORMATS",
    "PARAMETER_DELIVERIES",
    "PARAMETER_FORMATS",
    "OutputParseError",
    "format_parameters",
    "parse_jsonl",
    "parse_output",
]
OUTPUT_FORMATS = ("text", "json", "yaml", "jsonl")
PARAMETER_DELIVERIES = ("stdin", "file")


class OutputParseError(ValueError):
    """stdout did not match the action's ``output_format``."""


def format_parameters(values: Mapping[str, Any], fmt: str) -> str:
    """The parameter document, exactly as attune writes it (see ``parameter_documents``)."""
    return parameter_document(values, fmt)


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
        items, _skipped = parse_jsonl(stdout)
        return items
    raise OutputParseError(f"unknown output_format {fmt!r}; expected one of {', '.join(OUTPUT_FORMATS)}")


def parse_jsonl(stdout: str) -> tuple[list[Any] | None, list[int]]:
    """attune's jsonl parsing: every line that is JSON becomes an item, other lines are skipped.

    Returns the items (None when no line was JSON, as attune) and the 1-based numbers of the
    non-blank lines skipped, so the caller can say so in the log instead of dropping them silently.
    """
    items: list[Any] = []
    skipped: list[int] = []
    for number, line in enumerate(stdout.strip().split("\n"), start=1):
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError:
            if line.strip():
                skipped.append(number)
    return (items or None), skipped
