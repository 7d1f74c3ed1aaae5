"""Output parsing (text / json / yaml / jsonl) as attune's worker does it.

structured stdout is parsed only on exit 0 and only when non-empty; stdout that does not parse
gives no ``data`` and the run still succeeds (attune ``process_executor.rs``, ``parse_output``). The parameter documents
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
    "parse_problem",
]
OUTPUT_FORMATS = ("text", "json", "yaml", "jsonl")
PARAMETER_DELIVERIES = ("stdin", "file")


class OutputParseError(ValueError):
    """stdout did not match the action's ``output_format``."""


def format_parameters(values: Mapping[str, Any], fmt: str) -> str:
    """The parameter document, exactly as attune writes it (see ``parameter_documents``)."""
    return parameter_document(values, fmt)


def parse_output(stdout: str, fmt: str) -> Any:
    """Parsed ``data`` for a successful run, exactly as attune's ``parse_output``
    (``crates/worker/src/runtime/process_executor.rs``): ``None`` for text, for empty output and
    for stdout that does not parse (json: the whole text, then its last line; yaml: the whole
    text; jsonl: every line that is JSON). A parse failure is not an error in attune: the action
    still succeeds, keeps its stdout and has no ``data`` (:func:`parse_problem` says why, for
    the task log). Only an unknown format raises :class:`OutputParseError`.
    """
    if fmt not in OUTPUT_FORMATS:
        raise OutputParseError(f"unknown output_format {fmt!r}; expected one of {', '.join(OUTPUT_FORMATS)}")
    if fmt == "text":
        return None
    text = stdout.strip()
    if not text:
        return None
    if fmt == "json":
        return _json_or_last_line(text)
    if fmt == "yaml":
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            return None
    items, _skipped = parse_jsonl(stdout)
    return items


def _json_or_last_line(text: str) -> Any:
    """attune tries the whole stdout first, then its last line (scripts that log before the JSON)."""
    for candidate in (text, text.splitlines()[-1]):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return None


def parse_problem(stdout: str, fmt: str) -> str | None:
    """Why non-empty structured stdout gave no ``data`` (for a log warning), else None."""
    text = stdout.strip()
    if fmt in ("text", "jsonl") or not text:
        return None
    if fmt == "json":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            if _json_or_last_line(text) is None:
                return f"stdout is not valid JSON ({exc}), nor is its last line"
        return None
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return f"stdout is not valid YAML ({str(exc).splitlines()[0]})"
    return None


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
