"""The one hook into ``dag.test()``'s in-process runner of a single task instance.

``dag.test()`` without an executor runs each ready task instance through the private
``airflow.sdk.definitions.dag._run_task(ti=..., task=..., run_triggerer=...)``, looked up at call
time. Serial ``attune-airflow run`` wraps it for per-instance log files (:mod:`task_logs`) and
for attune's item order (:mod:`item_order`). Being private, it may change with an Airflow
upgrade: this module is the only place that names it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

RunTask = Callable[..., Any]


@contextlib.contextmanager
def wrapped_run_task(wrap: Callable[[RunTask], RunTask]) -> Iterator[None]:
    """Within the block, ``dag.test()`` runs each task instance through ``wrap(original)``."""
    from airflow.sdk.definitions import dag as dag_module

    original = getattr(dag_module, "_run_task", None)
    if original is None:
        raise RuntimeError(
            f"{__name__}: airflow.sdk.definitions.dag._run_task is gone (Airflow upgrade?): "
            "serial attune-airflow run cannot hook its per-instance logs and item order"
        )
    dag_module._run_task = wrap(original)
    try:
        yield
    finally:
        dag_module._run_task = original
