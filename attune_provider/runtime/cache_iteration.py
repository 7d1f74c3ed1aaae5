"""``iterate_cache``: a task mapped over the entries of one data-cache generation.

As attune's executor does it (``crates/executor/src/scheduler.rs``,
``dispatch_cache_iteration_task_with_conn`` and ``initialize_cache_iteration_with_conn``): the
selectors (``owner_type``, ``owner_ref``, ``namespace``, ``generation``) are rendered as
templates; ``owner_type`` defaults to ``pack`` and a pack ``owner_ref`` to the workflow's pack;
the namespace name is lowercased; ``generation: active`` (the default) or an explicit id is
resolved **once** and pinned; ``require_fresh`` rejects a stale generation. The entries, in
bytewise ``external_id`` order, then go through the same path as a ``with_items`` list
(``batch_size`` groups them, ``index`` is the batch ordinal, ``concurrency`` limits batches in
flight, retries are per batch). A published empty generation runs nothing and succeeds; a
namespace with nothing published, an unknown generation or a stale one fails the task, so its
``failed()`` transitions run (attune: a terminal failed child). ``page_size`` is attune's internal
scan size and shapes nothing; ``permission_set_refs`` has no Airflow counterpart (Airflow's own
access control governs who can run the DAG and read the store).
"""

from __future__ import annotations

from typing import Any

from attune_provider.expressions.engine import render
from attune_provider.runtime.plan import TaskPlan
from attune_provider.store.data_cache import CacheError, CacheNamespace, DataCache

__all__ = ["cache_items", "cache_namespace"]


def _selector(task: TaskPlan, ctx: Any, key: str, raw: Any) -> str | None:
    if raw is None:
        return None
    where = f"task '{task.name}' field 'iterate_cache.{key}'"
    value = render(raw, ctx, where=where) if isinstance(raw, str) else raw
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "generation":
        return str(int(value))
    if not isinstance(value, str) or not value.strip():
        raise CacheError("selector_rendering", f"{where} rendered to {value!r}, not non-empty text")
    return value.strip()


def cache_namespace(task: TaskPlan, ctx: Any, workflow_ref: str) -> CacheNamespace:
    """The rendered owner scope and namespace of a task's ``iterate_cache``."""
    config = task.spec.iterate_cache or {}
    owner_type = (_selector(task, ctx, "owner_type", config.get("owner_type")) or "pack").lower()
    owner_ref = _selector(task, ctx, "owner_ref", config.get("owner_ref"))
    if owner_type == "pack" and owner_ref is None:
        owner_ref = workflow_ref.split(".", 1)[0]  # attune: the containing workflow's pack
    namespace = _selector(task, ctx, "namespace", config.get("namespace"))
    return CacheNamespace(owner_type, owner_ref, namespace or "")


def cache_items(task: TaskPlan, ctx: Any, workflow_ref: str, cache: DataCache | None = None) -> list[Any]:
    """The pinned generation's entries (attune's item shape), in bytewise ``external_id`` order."""
    config = task.spec.iterate_cache or {}
    ns = cache_namespace(task, ctx, workflow_ref)
    store = cache if cache is not None else DataCache.from_settings()
    selector = _selector(task, ctx, "generation", config.get("generation", "active")) or "active"
    generation = store.resolve_generation(ns, selector, require_fresh=bool(config.get("require_fresh", False)))
    return store.entries(ns, generation)
