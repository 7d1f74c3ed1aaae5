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
from collections.abc import Callable, Iterator
from typing import Any


def _one_at_a_time(task: Any) -> bool:
    return getattr(task, "max_active_tis_per_dagrun", None) == 1


def _state_now(ti: Any) -> str | None:
    """The instance's state in the metadata DB (the caller's object may be stale)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        state = session.scalar(select(TaskInstance.state).where(TaskInstance.id == ti.id))
    return str(getattr(state, "value", state)) if state is not None else None


def _scheduled_before(ti: Any) -> list[Any]:
    """Sibling instances of ``ti`` with a lower map index still waiting to run, in item order."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as session:
        siblings = session.scalars(
            select(TaskInstance)
            .where(
                TaskInstance.dag_id == ti.dag_id,
                TaskInstance.run_id == ti.run_id,
                TaskInstance.task_id == ti.task_id,
                TaskInstance.map_index >= 0,
                TaskInstance.map_index < ti.map_index,
                TaskInstance.state == TaskInstanceState.SCHEDULED,
            )
            .order_by(TaskInstance.map_index)
        ).all()
        session.expunge_all()
    return list(siblings)


def _ordered_run_task(run_task: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(run_task)
    def run_in_item_order(*, ti: Any, task: Any, **kwargs: Any) -> Any:
        if ti.map_index < 0 or not _one_at_a_time(task):
            return run_task(ti=ti, task=task, **kwargs)
        if _state_now(ti) != "scheduled":
            return None  # already run, before a later item, by the branch below
        for sibling in _scheduled_before(ti):
            run_task(ti=sibling, task=task, **kwargs)
        return run_task(ti=ti, task=task, **kwargs)

    return run_in_item_order


@contextlib.contextmanager
def items_in_order() -> Iterator[None]:
    """For a ``dag.test()`` without executor: ``concurrency: 1`` items run in item order."""
    from airflow.sdk.definitions import dag as dag_module

    original = dag_module._run_task
    dag_module._run_task = _ordered_run_task(original)
    try:
        yield
    finally:
        dag_module._run_task = original
