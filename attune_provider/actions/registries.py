"""The one way an action registry is built, so compiling, the DAG processor and the CLI agree.

Every caller searches the same folders -- the caller's own (the pack's parent, the DAG
folders being built), then ``[attune] workflows_folder`` and every ``[attune] packs_folder`` --
and knows the packs it already loaded (no re-parse). Before this, three builders searched
three different folder lists, so a workflow could compile in ``validate`` and not in Airflow.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from attune_provider.actions.registry import ActionRegistry
    from attune_provider.spec.model import PackSpec, WorkflowSpec

_cache: dict[tuple[object, ...], ActionRegistry] = {}
_lock = threading.Lock()


def registry_folders(folders: Iterable[str | Path] = ()) -> list[Path]:
    """``folders`` then the configured workflow and packs folders: existing ones, first wins."""
    from attune_provider.config import settings

    current = settings()
    searched = [*folders, current.workflows_folder, *current.packs_folders]
    return [folder for folder in dict.fromkeys(Path(f) for f in searched) if folder.exists()]


def action_registry(packs: Iterable[PackSpec] = (), folders: Iterable[str | Path] = ()) -> ActionRegistry:
    """A new registry knowing ``packs`` and searching :func:`registry_folders` of ``folders``."""
    from attune_provider.actions.registry import ActionRegistry

    return ActionRegistry(packs_folders=registry_folders(folders), packs=list(packs))


def registry_for_workflow(spec: WorkflowSpec) -> ActionRegistry:
    """The registry a workflow's actions resolve in: its own pack and that pack's siblings first.

    Cached per process by pack and folder list (a DAG folder compiles many workflows).
    """
    packs = [spec.pack] if spec.pack is not None else []
    folders = [Path(spec.pack.path).parent] if spec.pack is not None else []
    searched = tuple(registry_folders(folders))
    key = (tuple((pack.ref, str(pack.path)) for pack in packs), searched)
    with _lock:
        registry = _cache.get(key)
        if registry is None:
            from attune_provider.actions.registry import ActionRegistry

            registry = _cache[key] = ActionRegistry(packs_folders=searched, packs=packs)
        return registry
