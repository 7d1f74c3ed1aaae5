"""Bounds on what the loader accepts, so a hostile or careless file cannot hang or exhaust it.

The DAG processor parses every file in the workflow folders; one 407-byte alias bomb would
otherwise expand to a billion values. Each bound is an ``[attune]`` setting (environment
variable ``AIRFLOW__ATTUNE__<NAME>`` always; ``airflow.cfg`` once Airflow is loaded, so the
``validate`` command stays free of Airflow start-up) and every error names the setting.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

SECTION = "attune"

DEFAULTS = {
    "max_document_bytes": 16 * 1024 * 1024,
    "max_yaml_depth": 100,
    "max_yaml_alias_nodes": 10_000,
}
# libyaml itself refuses more than 1000 nested levels; our builder must stay well inside
# Python's recursion limit (two frames per level).
_HARD_DEPTH = 400


def _read(option: str) -> int:
    raw = os.environ.get(f"AIRFLOW__{SECTION.upper()}__{option.upper()}")
    if raw is None and "airflow.configuration" in sys.modules:
        try:
            raw = sys.modules["airflow.configuration"].conf.get(SECTION, option, fallback=None)
        except Exception:  # a half-initialised Airflow config: use the default
            raw = None
    if raw is None or not str(raw).strip():
        return DEFAULTS[option]
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"[{SECTION}] {option} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"[{SECTION}] {option} must be positive, got {value}")
    return value


@dataclass(frozen=True)
class LoaderLimits:
    """The loader bounds in force; read per document so tests and operators can change them."""

    max_document_bytes: int
    max_yaml_depth: int
    max_yaml_alias_nodes: int

    @classmethod
    def current(cls) -> LoaderLimits:
        depth = _read("max_yaml_depth")
        if depth > _HARD_DEPTH:
            raise ValueError(f"[{SECTION}] max_yaml_depth may be at most {_HARD_DEPTH}, got {depth}")
        return cls(_read("max_document_bytes"), depth, _read("max_yaml_alias_nodes"))


def setting_hint(option: str, value: int) -> str:
    """The hint every limit error carries: which setting raises the bound."""
    return f"the limit is [{SECTION}] {option} = {value} (environment AIRFLOW__{SECTION.upper()}__{option.upper()})"
