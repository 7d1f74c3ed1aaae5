"""What a task's action receives, rendered from its spec: ``input``, ``timeout``, ``with_items``.

One definition shared by the operators, nested workflows and ``attune-airflow render --task``,
so a preview cannot disagree with a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from attune_provider.expressions.engine import render
from attune_provider.runtime.items import as_item_list
from attune_provider.runtime.plan import TaskPlan
from attune_provider.runtime.values import plain


def render_input(task: TaskPlan, ctx: Any) -> dict[str, Any]:
    """The action's parameters: ``input`` rendered, or the workflow parameters (reference 3)."""
    if task.spec.input is None:
        return dict(ctx.parameters)
    value = render(dict(task.spec.input), ctx, where=f"task '{task.name}' field 'input'")
    return plain(value)


def render_timeout(task: TaskPlan, ctx: Any) -> float | None:
    raw = task.spec.timeout
    if raw is None:
        return None
    value = render(raw, ctx, where=f"task '{task.name}' field 'timeout'") if isinstance(raw, str) else raw
    if value in (None, ""):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer beyond float's range: a located error, like a bad value
        raise ValueError(f"task '{task.name}' field 'timeout': {str(value)[:20]}... seconds is too large") from None


def render_items(task: TaskPlan, ctx: Any) -> list[Any] | Sequence[Any]:
    """The with_items list: a template is rendered, a literal taken as is; ``null`` -> ``[]``,
    a single non-list value -> one item (docs/graph-semantics.md). An ``iterate_cache`` task's
    items are the entries of its pinned cache generation (``runtime.cache_iteration``; attune
    dispatches ``iterate_cache`` before ``with_items`` when a task has both)."""
    if task.spec.iterate_cache is not None:
        from attune_provider.runtime.cache_iteration import cache_items

        return cache_items(task, ctx, str(ctx.system.get("dag_id") or ""))
    raw = task.spec.with_items
    value = render(raw, ctx, where=f"task '{task.name}' field 'with_items'") if isinstance(raw, str) else raw
    return as_item_list(value)
