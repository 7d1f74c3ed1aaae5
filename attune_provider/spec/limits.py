"""Bounds on what the loader accepts, so a hostile or careless file cannot hang or exhaust it.

The DAG processor parses every file in the workflow folders; one 407-byte alias bomb would
otherwise expand to a billion values. Each bound is an ``[attune]`` setting (environment
variable ``AIRFLOW__ATTUNE__<NAME>`` always; ``airflow.cfg`` once Airflow is loaded, so the
``validate`` command stays free of Airflow start-up: ``config.py``) and every error names the setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from attune_provider import config

SECTION = config.SECTION
# libyaml itself refuses more than 1000 nested levels; our builder must stay well inside
# Python's recursion limit (two frames per level).
_HARD_DEPTH = 400


@dataclass(frozen=True)
class LoaderLimits:
    """The loader bounds in force; read per document so tests and operators can change them."""

    max_document_bytes: int
    max_yaml_depth: int
    max_yaml_alias_nodes: int

    @classmethod
    def current(cls) -> LoaderLimits:
        depth = config.max_yaml_depth()
        if depth > _HARD_DEPTH:
            raise config.ConfigError(f"[{SECTION}] max_yaml_depth may be at most {_HARD_DEPTH}, got {depth}")
        return cls(config.max_document_bytes(), depth, config.max_yaml_alias_nodes())


def setting_hint(option: str, value: int) -> str:
    """The hint every limit error carries: which setting raises the bound."""
    return f"the limit is [{SECTION}] {option} = {value} (environment AIRFLOW__{SECTION.upper()}__{option.upper()})"
