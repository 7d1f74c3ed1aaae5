"""Parallel task instances for ``attune-airflow run``: Airflow's LocalExecutor through dag.test().

``dag.test(use_executor=True)`` hands each ready task instance to the configured executor, as the
scheduler would; the workers report back through the Task Execution API, which the CLI serves
on a free loopback port (:mod:`attune_provider.cli.execution_api`), so no ``airflow api-server``
has to run. Each instance then costs a worker
process hand-off (~0.5-1 s here) instead of nothing in-process: worth it only when ``concurrency``
lets several long instances overlap, which :func:`choose_mode` decides from the workflow.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import Mapping, Sequence
from typing import Any

MAX_WORKERS = 16


def workflow_concurrency(workflow: Any) -> int:
    """The most instances the workflow's ``concurrency`` settings let run at once (1 = serial)."""
    widths = [int(task.concurrency or 1) for task in workflow.tasks if task.with_items is not None]
    return max(widths, default=1)


#: above this many items (or when the count is only known at run time) parallel is not chosen by
#: default: each parallel instance costs ~0.3-0.5 s of CPU in worker, task and API processes, so
#: many quick items (the main job's 1,000 health checks) gain little or nothing on 2 cores
#: (docs/running.md has the measurements)
PARALLEL_MAX_ITEMS = 100


def known_item_count(task: Any, workflow: Any, params: Mapping[str, Any]) -> int | None:
    """How many items ``with_items`` yields, when parameters and vars alone decide it (else None)."""
    from attune_provider.expressions import WorkflowContext, render

    try:
        items = render(task.with_items, WorkflowContext(parameters=params, variables=dict(workflow.vars)))
    except Exception:  # names a task result or an inquiry: only known at run time
        return None
    if isinstance(items, Sequence) and not isinstance(items, str | bytes):
        return len(items)
    return None


def choose_mode(
    workflow: Any, serial: bool, parallel: bool, params: Mapping[str, Any] | None = None
) -> tuple[str, str]:
    """("serial" | "parallel", why) for this run."""
    if serial:
        return "serial", "--serial"
    if parallel:
        return "parallel", "--parallel"
    reasons = []
    for task in workflow.tasks:
        width = int(task.concurrency or 1)
        if task.with_items is None or width <= 1:
            continue
        count = known_item_count(task, workflow, dict(params or {}))
        if count is not None and 1 < count <= PARALLEL_MAX_ITEMS:
            return "parallel", f"task '{task.name}': {count} items at concurrency {width}"
        shown = "known only at run time" if count is None else f"{count} items"
        reasons.append(f"task '{task.name}': {shown}")
    if not reasons:
        return "serial", "no with_items task has concurrency > 1"
    return "serial", (
        f"{'; '.join(reasons)}: each parallel instance costs process and HTTP work, so parallel is "
        f"chosen only for up to {PARALLEL_MAX_ITEMS} items known before the run (--parallel forces it)"
    )


def prepare_environment(width: int) -> None:
    """Executor settings; must run before Airflow is imported. User settings win."""
    os.environ.setdefault("AIRFLOW__CORE__EXECUTOR", "attune_provider.cli.cli_executor.CliLocalExecutor")
    os.environ.setdefault("AIRFLOW__CORE__PARALLELISM", str(max(2, min(width, MAX_WORKERS))))
    os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(32))
    # The task supervisor notices its task process's exit only when select() wakes up: once the
    # process has closed its sockets, that is after up to [workers] min_heartbeat_interval
    # (default 5 s) of an empty select. Each worker then idles for that long after every instance
    # (measured: 2-5 s per instance, and a 3 s wait in executor.end()). 1 s (its minimum: an int)
    # costs one more heartbeat write per running instance and second.
    os.environ.setdefault("AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL", "1")
    if "AIRFLOW__CORE__EXECUTION_API_SERVER_URL" not in os.environ:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        os.environ["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://127.0.0.1:{port}/execution/"


def sqlite_for_concurrent_writers() -> None:
    """SQLite metadata DB: WAL journal (readers never block the writer; persists in the file) and
    a longer busy wait, so executor workers, the execution API and dag.test() can share it."""
    import sqlite3

    from airflow.configuration import conf

    url = conf.get("database", "sql_alchemy_conn")
    if not url.startswith("sqlite:///"):
        return
    with contextlib.closing(sqlite3.connect(url[len("sqlite:///") :].split("?", 1)[0], timeout=60)) as db:
        db.execute("PRAGMA journal_mode=WAL")
