"""Find the child workflows a workflow runs (nested tasks), to any depth, before the run starts.

``attune-airflow run`` registers the whole closure with Airflow (one loader file defines every DAG
in it), so the parent's trigger finds each child DAG, and a child that cannot be found is a
located error naming it -- before anything runs -- rather than a failed trigger in a task log.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from attune_provider.cli.errors import CliError

if TYPE_CHECKING:
    from attune_provider.spec.model import WorkflowSpec


def _search_paths(source: Path, action: object) -> list[Path]:
    """Where a child ref may live: its pack action's pack, the parent's folder, configured folders."""
    from attune_provider.config import settings

    paths: list[Path] = []
    pack_path = getattr(getattr(action, "spec", None), "pack_path", None)
    if pack_path is not None:
        paths.append(Path(pack_path))
    paths.append(source if source.is_dir() else source.parent)
    current = settings()
    paths.extend([current.workflows_folder, *current.packs_folders])
    return [p for p in dict.fromkeys(paths) if p.exists()]


def _find(ref: str, paths: list[Path]) -> tuple[WorkflowSpec, Path] | None:
    from attune_provider.spec import load_path

    for path in paths:
        workflow = dict(load_path(path).workflows).get(ref)
        if workflow is not None:
            return workflow, path
    return None


def closure(workflow: WorkflowSpec, source: Path) -> dict[str, Path]:
    """``{ref: source path}`` of the workflow and every workflow it nests, depth first.

    Raises :class:`CliError` naming the task, the child ref and the places searched when a
    child is missing.
    """
    from attune_provider.actions.registry import UnknownActionError
    from attune_provider.cli.dags import action_registry
    from attune_provider.runtime.plan import is_nested

    found: dict[str, Path] = {workflow.ref: source}
    pending: list[tuple[WorkflowSpec, Path]] = [(workflow, source)]
    while pending:
        current, where = pending.pop()
        registry = action_registry(current)
        for task in current.tasks:
            if not task.action or task.action in found:
                continue
            try:
                action = registry.resolve(task.action)
            except UnknownActionError:
                action = None  # ``type: workflow`` tasks name a workflow ref, not an action
            if not is_nested(task, action):
                continue
            paths = _search_paths(where, action)
            hit = _find(task.action, paths)
            if hit is None:
                searched = ", ".join(str(p) for p in paths) or "nothing"
                raise CliError(
                    f"workflow {current.ref!r} task {task.name!r} runs child workflow {task.action!r}, "
                    f"which was not found (searched: {searched})"
                )
            child, child_source = hit
            found[child.ref] = child_source
            pending.append((child, child_source))
    return found
