"""Compile a loaded workflow into the Airflow DAG the CLI inspects or runs.

The action registry comes from ``actions.registries``, the factory the compiler and the DAG
loader use too, so ``render``/``run`` see exactly what the scheduler would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attune_provider.spec.model import WorkflowSpec


def action_registry(workflow: WorkflowSpec) -> Any:
    """Packs the workflow can call: its own pack, sibling packs, and the configured folders."""
    from attune_provider.actions.registries import registry_for_workflow

    return registry_for_workflow(workflow)


def compile_dag(workflow: WorkflowSpec) -> Any:
    from attune_provider.compiler import compile_workflow

    return compile_workflow(workflow, registry=action_registry(workflow))


def dag_from_source(source: str, ref: str) -> Any:
    """Used by generated loader files: load ``source`` (file or folder), compile workflow ``ref``."""
    from attune_provider.cli.workflows import load_workflow

    return compile_dag(load_workflow(source, ref))
