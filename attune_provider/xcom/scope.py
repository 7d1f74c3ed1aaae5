"""Which DAGs the backend offloads, and which task instances may receive lazy views.

``[core] xcom_backend`` is global, so the backend serves every DAG of a deployment:

* ``[attune] offload = all`` (default): every DAG's ``return_value`` goes to the result store;
* ``[attune] offload = attune``: only DAGs compiled from attune YAML; every other DAG gets exactly
  ``BaseXCom`` (values in the XCom table), for teams that roll out in steps.

Lazy views (``store.lazy``) go only to attune's own operators, whose runtime is written for them,
and to DAGs tagged ``attune:views`` (their authors accept read-only ``Sequence`` / ``Mapping``
views for per-key reads); code in any other DAG gets the plain ``list`` / ``dict`` it would get
from ``BaseXCom`` (``consumers`` keeps Airflow's own per-item reads of mapped expansion lazy).
"""

from __future__ import annotations

import functools
import logging
import sys
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

OFFLOAD_CHOICES = ("all", "attune")
ATTUNE_MODULE_PREFIX = "attune_provider."
VIEWS_TAG = "attune:views"


def offload_scope() -> str:
    """``[attune] offload``; anything but ``all`` / ``attune`` is a configuration error."""
    from attune_provider.config import _get

    raw = (_get("offload", "all") or "all").strip().lower()
    if raw not in OFFLOAD_CHOICES:
        raise ValueError(
            f"[attune] offload = {raw!r} (AIRFLOW__ATTUNE__OFFLOAD): expected one of {', '.join(OFFLOAD_CHOICES)}"
        )
    return raw


def running_task_instance() -> Any | None:
    """The task instance this process is running, or None (API server, CLI, direct calls).

    Inside ``execute`` and template rendering Airflow sets the current context. The return value
    is pushed after that context is closed, from ``task_runner._xcom_push(ti, ...)``, so that
    frame's ``ti`` is used there.
    """
    try:
        from airflow.sdk import get_current_context

        return get_current_context()["ti"]
    except Exception:  # no context: not inside a task's execution
        pass
    push_code = _xcom_push_code()
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code is push_code:
            return frame.f_locals.get("ti")
        frame = frame.f_back
    return None


@functools.cache
def _xcom_push_code() -> Any:
    try:
        from airflow.sdk.execution_time import task_runner

        return task_runner._xcom_push.__code__
    except (ImportError, AttributeError) as exc:  # a new Airflow moved it: the compat suite turns red
        log.warning("attune XCom: task_runner._xcom_push not found (%s); offload = attune offloads nothing", exc)
        return None


def is_attune_task(ti: Any) -> bool:
    """Whether ``ti`` runs an operator of a DAG compiled from attune YAML."""
    task = getattr(ti, "task", None)
    if task is None:
        return False
    if type(task).__module__.startswith(ATTUNE_MODULE_PREFIX):
        return True
    dag = getattr(task, "dag", None)
    return getattr(dag, "attune_plan", None) is not None


def offloads_current_task() -> bool:
    """Whether a ``return_value`` pushed now goes to the result store."""
    if offload_scope() == "all":
        return True
    ti = running_task_instance()
    return ti is not None and is_attune_task(ti)


def views_for_current_task() -> bool:
    """Whether a value read now may be handed over as a lazy view (see the module docstring)."""
    ti = running_task_instance()
    if ti is None:
        return False
    if is_attune_task(ti):
        return True
    dag = getattr(getattr(ti, "task", None), "dag", None)
    return VIEWS_TAG in (getattr(dag, "tags", None) or ())
