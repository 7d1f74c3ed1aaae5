"""Serial ``attune-airflow run``: the items of a ``concurrency: 1`` task run one by one in item order.

attune's executor dispatches a ``with_items`` task's items by ``task_index``; with concurrency 1
(its default) they run strictly in item order, which workflows such as rolling deploys rely on.
A scheduler keeps that (``max_active_tis_per_dagrun`` = 1, ready instances queued by
``map_index``). ``dag.test()`` without an executor does not: it marks every ready mapped instance
SCHEDULED at once and runs them in the iteration order of a Python set. Within the same hook
point as the per-instance logs (``dag.test()``'s in-process runner of one instance), this runs an
instance's still-scheduled lower-index siblings first, in ``map_index`` order, and skips the
later call for an instance that has already run. Tasks with ``concurrency`` > 1 are left alone:
attune does not define their order either (docs/with_items.md).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from attune_provider.cli.in_process_runner import wrapped_run_task


def _one_at_a_time(task: Any) -> bool:
    return getattr(task, "max_active_tis_per_dagrun", None) == 1


def _waiting_up_to(ti: Any) -> list[Any]:
    """``ti``'s siblings with a map index up to its own still waiting to run (SCHEDULED in the
    metadata DB, which is current where the caller's objects may be stale), in item order."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as session:
        waiting = session.scalars(
            select(TaskInstance)
            .where(
                TaskInstance.dag_id == ti.dag_id,
                TaskInstance.run_id == ti.run_id,
                TaskInstance.task_id == ti.task_id,
                TaskInstance.map_index >= 0,
                TaskInstance.map_index <= ti.map_index,
                TaskInstance.state == TaskInstanceState.SCHEDULED,
            )
            .order_by(TaskInstance.map_index)
        ).all()
        session.expunge_all()
    return list(waiting)


def _ordered_run_task(run_task: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(run_task)
    def run_in_item_order(*, ti: Any, task: Any, **kwargs: Any) -> Any:
        if ti.map_index < 0 or not _one_at_a_time(task):
            return run_task(ti=ti, task=task, **kwargs)
        waiting = _waiting_up_to(ti)
        if not waiting or waiting[-1].map_index != ti.map_index:
            return None  # already run, before a later item, by the loop below
        for sibling in waiting[:-1]:
            run_task(ti=sibling, task=task, **kwargs)
        return run_task(ti=ti, task=task, **kwargs)

    return run_in_item_order


def items_in_order() -> contextlib.AbstractContextManager[None]:
    """For a ``dag.test()`` without executor: ``concurrency: 1`` items run in item order."""
    return wrapped_run_task(_ordered_run_task)
