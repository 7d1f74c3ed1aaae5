"""Helpers for spec tests: YAML snippets written to real files under tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from attune_provider.spec import LoadError, WorkflowSpec, load_workflow_file


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write(text, name="wf.yaml") -> path of a file holding the dedented text."""

    def _write(text: str, name: str = "wf.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return _write


@pytest.fixture
def load(write: Callable[..., Path]) -> Callable[..., WorkflowSpec]:
    """load(text) -> WorkflowSpec of the snippet."""

    def _load(text: str, name: str = "wf.yaml") -> WorkflowSpec:
        return load_workflow_file(write(text, name))

    return _load


@pytest.fixture
def load_errors(write: Callable[..., Path]) -> Callable[..., LoadError]:
    """load_errors(text) -> the LoadError loading the snippet raises (fails if it loads)."""

    def _load_errors(text: str, name: str = "wf.yaml") -> LoadError:
        path = write(text, name)
        with pytest.raises(LoadError) as info:
            load_workflow_file(path)
        return info.value

    return _load_errors
