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

import logging
from typing import Any

log = logging.getLogger(__name__)

OFFLOAD_CHOICES = ("all", "attune")
ATTUNE_MODULE_PREFIX = "attune_provider."
VIEWS_TAG = "attune:views"


def offload_scope() -> str:
    """``[attune] offload``; anything but ``all`` / ``attune`` is a configuration error."""
    from attune_provider import config

    return config.offload()


#: dag ids of the DAGs compiled from attune YAML in this process (``compiler.build`` adds them).
#: A task process parses its DAG file before it runs, and ``dag.test()`` compiles in-process, so
#: the pushing task's DAG is always here when it is an attune DAG.
_COMPILED_DAG_IDS: set[str] = set()


def mark_compiled(dag_id: str) -> None:
    """Record that ``dag_id`` is a DAG compiled from attune YAML (``offload = attune`` offloads it)."""
    _COMPILED_DAG_IDS.add(dag_id)


def is_compiled_dag(dag_id: str | None) -> bool:
    return dag_id is not None and dag_id in _COMPILED_DAG_IDS


def running_task_instance() -> Any | None:
    """The task instance whose ``execute`` or template rendering runs now, or None (API server,
    CLI, direct calls, and the return-value push, which Airflow makes after the context closed)."""
    try:
        from airflow.sdk import get_current_context

        return get_current_context()["ti"]
    except Exception:  # no context: not inside a task's execution
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


def offloads_current_task(dag_id: str | None) -> bool:
    """Whether a ``return_value`` pushed now by a task of ``dag_id`` goes to the result store.

    Airflow pushes the return value after the task's context is closed and tells the backend
    only the ids (``serialize_value(..., dag_id=...)``), so the DAG is recognised by its id."""
    if offload_scope() == "all":
        return True
    return is_compiled_dag(dag_id)


def views_for_current_task() -> bool:
    """Whether a value read now may be handed over as a lazy view (see the module docstring)."""
    ti = running_task_instance()
    if ti is None:
        return False
    if is_attune_task(ti):
        return True
    dag = getattr(getattr(ti, "task", None), "dag", None)
    return VIEWS_TAG in (getattr(dag, "tags", None) or ())
