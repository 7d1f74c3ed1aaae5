"""Compile a loaded workflow into the Airflow DAG the CLI inspects or runs.

The action registry is built the way the DAG loader builds it (configured packs folders plus the
workflow's own pack), so ``render``/``run`` see exactly what the scheduler would.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attune_provider.spec.model import WorkflowSpec


def action_registry(workflow: WorkflowSpec) -> Any:
    """Packs the workflow can call: its own pack, sibling packs, and the configured folders."""
    from attune_provider.actions import ActionRegistry
    from attune_provider.config import settings

    current = settings()
    folders: list[Path] = []
    if workflow.pack is not None:
        folders.append(Path(workflow.pack.path).parent)
    folders.extend([current.workflows_folder, *current.packs_folders])
    unique = [f for f in dict.fromkeys(folders) if f.exists()]
    packs = [workflow.pack] if workflow.pack is not None else []
    return ActionRegistry(packs_folders=unique, packs=packs)


def compile_dag(workflow: WorkflowSpec) -> Any:
    from attune_provider.compiler import compile_workflow

    return compile_workflow(workflow, registry=action_registry(workflow))


LOADER_TEMPLATE = '''\
"""Airflow DAG file written by `attune-airflow run`: compiles one attune workflow.

source: {source}
ref: {ref}
Delete this file to remove the DAG; `attune-airflow run` rewrites it when needed.
"""

from attune_provider.cli.dags import dag_from_source

# ``airflow`` and ``DAG`` appear in this file so Airflow's safe-mode heuristic parses it.
dag = dag_from_source({source!r}, {ref!r})
'''


def loader_file_name(ref: str) -> str:
    import re

    return "attune_cli__" + re.sub(r"[^A-Za-z0-9_]", "_", ref) + ".py"


def write_loader(dags_folder: Path, source: Path, ref: str) -> Path:
    """Put a one-workflow loader into the DAGs folder so Airflow (dag.test, UI, workers) finds the DAG.

    ``dag.test()`` needs the DAG serialized from a DAG bundle; a real file also lets a scheduler
    re-run or clear tasks later and the UI show the DAG. Rewritten only when its text changes.
    """
    dags_folder.mkdir(parents=True, exist_ok=True)
    target = dags_folder / loader_file_name(ref)
    text = LOADER_TEMPLATE.format(source=str(source.resolve()), ref=ref)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        tmp = target.with_suffix(".py.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    return target


def dag_from_source(source: str, ref: str) -> Any:
    """Used by generated loader files: load ``source`` (file or folder), compile workflow ``ref``."""
    from attune_provider.cli.workflows import load_workflow

    return compile_dag(load_workflow(source, ref))
