"""Collecting problems while validating one YAML document.

Validation keeps going after a problem so a user sees every mistake of a file in one run;
``Report`` turns a YAML path into a file:line:column location for each finding.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from attune_provider.expressions.text_rules import is_template
from attune_provider.spec.codes import INVALID_VALUE
from attune_provider.spec.errors import SpecError
from attune_provider.spec.model import Location, SpecWarning
from attune_provider.spec.yaml_source import YamlDocument, YamlPath

__all__ = ["Report", "is_int", "is_number", "is_template", "text_field", "type_name"]


class Report:
    """Errors and warnings found in one ``YamlDocument``."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.errors: list[SpecError] = []
        self.warnings: list[SpecWarning] = []

    def loc(self, path: YamlPath) -> Location:
        return self.doc.loc(path)

    def error(
        self,
        path: YamlPath,
        message: str,
        hint: str | None = None,
        *,
        at_key: bool = False,
        code: str = INVALID_VALUE,
    ) -> None:
        location = self.doc.key_loc(path) if at_key else self.doc.loc(path)
        self.errors.append(SpecError(location, message, hint, code))

    def warn(self, path: YamlPath, message: str, code: str, *, at_key: bool = False) -> None:
        location = self.doc.key_loc(path) if at_key else self.doc.loc(path)
        self.warnings.append(SpecWarning(location, message, code))

    def unknown_keys(
        self, path: YamlPath, mapping: Mapping[Any, Any], known: Iterable[str], what: str
    ) -> None:
        """Warn about each key attune would ignore (reference 1.5), suggesting a close known key."""
        known_keys = known if isinstance(known, (set, frozenset)) else frozenset(known)
        for key in mapping:
            if key in known_keys:
                continue
            text = str(key)
            close = difflib.get_close_matches(text.replace("-", "_"), sorted(known_keys), n=1, cutoff=0.7)
            suggestion = f"; did you mean '{close[0]}'?" if close else ""
            self.warn(
                (*path, key),
                f"unknown {what} key '{text}' is ignored{suggestion}",
                "unknown-key",
                at_key=True,
            )


def type_name(value: Any) -> str:
    """YAML-flavoured name of a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def text_field(report: Report, data: Mapping[Any, Any], key: str) -> str | None:
    """An optional text field; anything else is an error at its location."""
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    report.error((key,), f"'{key}' must be text, got {type_name(value)}")
    return None


def tags_field(report: Report, data: Mapping[Any, Any]) -> tuple[str, ...]:
    """An optional ``tags`` list of text values."""
    value = data.get("tags")
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return tuple(value)
    report.error(("tags",), "'tags' must be a list of text values", "e.g. `tags: [deploy, production]`")
    return ()


def version_field(report: Report, data: Mapping[Any, Any]) -> str | None:
    """``version`` is a string (reference 1.6); an unquoted YAML number is an error with a hint."""
    value = data.get("version")
    if value is None or isinstance(value, str):
        return value
    report.error(
        ("version",),
        f"'version' must be a string, got {type_name(value)} {value!r}",
        f'quote it: `version: "{value}"` (YAML reads an unquoted 1.0 as a number)',
    )
    return None
