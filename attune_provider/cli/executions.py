"""The three ways ``attune-airflow run`` hands a DAG run to Airflow (rule: :mod:`modes`).

* :func:`in_process` -- ``dag.test()`` in this process, nothing patched.
* :func:`with_components` -- Airflow's own processes for this run (:mod:`components`); the run is
  triggered, watched and, when interrupted, failed through Airflow's public REST API.
* :func:`for_deployment` -- a scheduler already heartbeats on this metadata DB: the run is
  triggered for it (``airflow dags trigger``) and followed; the CLI executes nothing itself.

Each returns the final DAG run state. Each touches only the run id it was given, and records it
(:class:`run_records.RunRecord`) before the run exists, so a dead CLI's run is failed later.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from attune_provider.cli.errors import CliError
from attune_provider.cli.run_records import RunRecord, claim_run, fail_run, home_lock

FINISHED = ("success", "failed")


def scheduler_alive() -> bool:
    """Whether a scheduler heartbeats on this metadata DB (what ``airflow standalone`` checks).

    A scheduler on this host must also still be a process: one killed a moment ago keeps a fresh
    heartbeat in the DB for up to ``[scheduler] scheduler_health_check_threshold``."""
    from airflow.jobs.job import most_recent_job
    from airflow.utils.net import get_hostname

    job = most_recent_job("SchedulerJob")
    if job is None or not job.is_alive():
        return False
    return job.hostname != get_hostname() or _local_scheduler_process()


def _local_scheduler_process() -> bool:
    import psutil

    for process in psutil.process_iter(["cmdline"]):
        command = process.info.get("cmdline") or []
        if (
            len(command) >= 2
            and any(Path(c).name == "airflow" for c in command[:2])
            and "scheduler" in command
        ):
            return True
    return False


def run_state(dag_id: str, run_id: str) -> str | None:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        state = session.scalar(select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
    return None if state is None else str(getattr(state, "value", state))


@contextmanager
def interrupts_raise() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C (KeyboardInterrupt) for the block."""

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return f"attune-airflow run interrupted ({exc.args[0] if exc.args else 'SIGINT'})"
    return f"attune-airflow run stopped: {type(exc).__name__}: {exc}"


# -- (a) in-process ---------------------------------------------------------------------------
def in_process(dag: Any, params: Mapping[str, Any], record: RunRecord, home: Path) -> tuple[str, str]:
    """``dag.test()`` once; returns (run id, state). The home lock is held until the run exists:
    ``dag.test()`` serializes the DAG first, and concurrent first serializations race."""
    from airflow.models.dagrun import DagRun
    from airflow.sdk import timezone
    from airflow.utils.types import DagRunType

    when = timezone.utcnow()
    run_id = DagRun.generate_run_id(run_type=DagRunType.MANUAL, logical_date=when, run_after=when)
    record.add(dag.dag_id, run_id)
    released = threading.Event()
    lock = home_lock(home)
    lock.__enter__()

    def release_when_created() -> None:
        while not released.wait(0.2):
            try:
                if run_state(dag.dag_id, run_id) is not None:
                    break
            except Exception:
                continue
        if not released.is_set():
            released.set()
            lock.__exit__(None, None, None)

    watcher = threading.Thread(target=release_when_created, name="attune-first-use", daemon=True)
    watcher.start()
    interrupted: list[str] = []
    returned = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        # dag.test() turns an exception inside a task into that task's failure and goes on with
        # the next one: fail the run first (from a thread: this one may hold the DB), then stop
        # the running action; dag.test() then finds its run failed and returns
        name = signal.Signals(signum).name
        if not interrupted:
            interrupted.append(name)
            reason = _reason(KeyboardInterrupt(name))
            threading.Thread(target=fail_run, args=(dag.dag_id, run_id, reason), daemon=True).start()
            threading.Thread(target=_stop_actions, args=(returned,), daemon=True).start()
        raise KeyboardInterrupt(name)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        dag_run = dag.test(run_conf=dict(params), logical_date=when, run_after=when)
    except BaseException as exc:
        if fail_run(dag.dag_id, run_id, _reason(exc)):
            print(f"run {run_id} marked failed: {_reason(exc)}", file=sys.stderr, flush=True)
        raise
    finally:
        returned.set()
        _claim(dag.dag_id, run_id)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if not released.is_set():
            released.set()
            lock.__exit__(None, None, None)
    if interrupted:
        fail_run(dag.dag_id, run_id, _reason(KeyboardInterrupt(interrupted[0])))
        print(f"run {run_id} marked failed: {_reason(KeyboardInterrupt(interrupted[0]))}", file=sys.stderr)
        raise KeyboardInterrupt(interrupted[0])
    state = str(getattr(dag_run.state, "value", dag_run.state)) if dag_run is not None else None
    if state not in FINISHED:
        fail_run(dag.dag_id, run_id, "attune-airflow run: dag.test() returned before the run finished")
        state = "failed"
    return run_id, state


def _claim(dag_id: str, run_id: str) -> None:
    """Once ``dag.test()`` is done with the run (it writes its own ``dag_test`` back while it runs)."""
    try:
        claim_run(dag_id, run_id)
    except Exception as exc:  # cosmetic: the run stays as dag.test() created it
        print(f"attune-airflow run: could not record who triggered {run_id}: {exc}", file=sys.stderr)


def _stop_actions(returned: threading.Event) -> None:
    """After an interrupt, until ``dag.test()`` returns: kill every process this one started.
    An instance ``dag.test()`` had already picked before it saw the run failed would otherwise
    start its action anyway and wait for it."""
    import psutil

    me = psutil.Process()
    while not returned.wait(0.2):
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()


# -- (b) Airflow's own processes ----------------------------------------------------------------
#: how long the api-server may take to answer, and the dag-processor to parse the DAGs (a loaded
#: 2-core machine took over 180 s for the api-server); a component that exits ends it at once
STARTUP_WAIT_S = 900.0

def cli_run_id() -> str:
    """A run id no other run can have: time to the microsecond and this CLI's pid."""
    return f"attune_cli__{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%f}_{os.getpid()}"


def _wait_for(what: str, check: Callable[[], bool], deadline_s: float, alive: Callable[[], str]) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        problem = alive()
        if problem:
            raise CliError(f"Airflow's {problem} stopped while waiting for {what} (see the run's log)")
        try:
            if check():
                return
        except (OSError, TimeoutError) as exc:  # the api-server busy (SQLite): ask again
            print(f"still waiting for {what}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        time.sleep(0.25)
    raise CliError(f"timed out after {deadline_s:.0f} s waiting for {what} (see the run's log)")


def with_components(
    dag_ids: list[str],
    params: Mapping[str, Any],
    record: RunRecord,
    width: int,
    log: Any,
    on_api: Callable[[Any], None] | None = None,
) -> tuple[str, str, dict[str, float]]:
    """Start the components, trigger ``dag_ids[0]`` through the REST API, follow it to its end.
    Returns (run id, state, timings of the start-up steps in seconds)."""
    from attune_provider.cli.api_client import AirflowApi
    from attune_provider.cli.components import Components, component_env, free_port

    timings: dict[str, float] = {}
    started = time.monotonic()
    since = datetime.now(UTC)  # a parse after this read the DAG file as written now
    components = Components(component_env(os.environ, free_port(), width), log=log).start()
    alive = lambda: ", ".join(components.exited())  # noqa: E731
    api = AirflowApi(components.url)
    run_id = cli_run_id()
    paused: list[str] = []
    try:
        with interrupts_raise():
            api.wait_ready(STARTUP_WAIT_S, alive)
            api.login()
            # the execution API builds its versioned routes on its first request (seconds of CPU):
            # start that now, beside the DAG parse, not in the first task
            threading.Thread(target=_warm_up, args=(components.url,), name="attune-warm-up", daemon=True).start()
            timings["api_server_ready_s"] = time.monotonic() - started
            if on_api is not None:
                on_api(api)
            for dag_id in dag_ids:  # parsed by this run's dag-processor (not an older file version)
                _wait_for(
                    f"the dag-processor to parse {dag_id}",
                    functools.partial(_parsed_since, api, dag_id, since),
                    STARTUP_WAIT_S,
                    alive,
                )
                if (api.dag(dag_id) or {}).get("is_paused"):
                    api.set_paused(dag_id, False)
                    paused.append(dag_id)
            timings["dags_parsed_s"] = time.monotonic() - started
            record.add(dag_ids[0], run_id, api_url=components.url)
            api.trigger(dag_ids[0], run_id, dict(params))
            _wait_for(
                f"run {run_id}", lambda: run_state(dag_ids[0], run_id) in FINISHED, 7 * 24 * 3600, alive
            )
            timings["run_s"] = time.monotonic() - started - timings["dags_parsed_s"]
    except BaseException as exc:
        if any(r == run_id for _, r in record.data["runs"]):
            try:
                api.fail_run(dag_ids[0], run_id, _reason(exc))
            except Exception:  # the api-server is gone: fail it in the metadata DB
                fail_run(dag_ids[0], run_id, _reason(exc))
            print(f"run {run_id} marked failed: {_reason(exc)}", file=sys.stderr, flush=True)
        raise
    finally:
        wait_for_guests(record)
        for dag_id in paused:  # as they were: no other scheduler picks up their runs later
            try:
                api.set_paused(dag_id, True)
            except Exception as exc:
                print(f"warning: could not pause {dag_id} again: {exc}", file=sys.stderr)
        stopping = time.monotonic()
        components.stop()
        timings["stop_s"] = time.monotonic() - stopping
    return run_id, str(run_state(dag_ids[0], run_id)), timings


def _warm_up(url: str) -> None:
    from attune_provider.cli.api_client import AirflowApi

    try:
        AirflowApi(url, timeout=600).call("GET", "/execution/health", auth=False)
    except Exception:
        return


def _parsed_since(api: Any, dag_id: str, since: datetime) -> bool:
    found = api.dag(dag_id)
    parsed = (found or {}).get("last_parsed_time")
    return bool(parsed and datetime.fromisoformat(str(parsed)) >= since)


def wait_for_guests(record: RunRecord) -> None:
    """Other CLI runs that handed their run to this run's scheduler: let them finish first."""
    from attune_provider.cli.run_records import guests_of

    while guests_of(record):
        time.sleep(0.5)


# -- (c) a scheduler already runs -------------------------------------------------------------
#: how long a run waits for a deployment's dag-processor to parse a DAG file the CLI just wrote
PARSE_WAIT_S = 60.0


def for_deployment(dag_id: str, params: Mapping[str, Any], record: RunRecord) -> tuple[str, str]:
    """Trigger the run for the scheduler that heartbeats on this DB and follow it to its end."""
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    deadline = time.monotonic() + PARSE_WAIT_S
    while True:
        with create_session() as session:
            model = session.get(DagModel, dag_id)
            parsed = model is not None and not model.is_stale
            paused = bool(model is not None and model.is_paused)
        if parsed or time.monotonic() > deadline:
            break
        time.sleep(1)
    if not parsed:
        raise CliError(
            f"a scheduler runs on this metadata DB, but its dag-processor has not parsed DAG {dag_id!r} "
            "(the DAG file was just written to the DAGs folder? wait for the next parse and run again, "
            "or check `airflow dags list-import-errors`)"
        )
    if paused:
        raise CliError(
            f"a scheduler runs on this metadata DB, but DAG {dag_id!r} is paused there: "
            f"`airflow dags unpause {dag_id}`, then run again"
        )
    run_id = cli_run_id()
    record.add(dag_id, run_id)
    record.guest_of_scheduler()
    command = [
        str(Path(sys.executable).with_name("airflow")),
        "dags",
        "trigger",
        dag_id,
        "--run-id",
        run_id,
        "--conf",
        json.dumps(dict(params)),
    ]
    try:
        with interrupts_raise():
            done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ), check=False)
            if done.returncode != 0:
                raise CliError(f"`airflow dags trigger {dag_id}` failed: {done.stderr.strip()[-2000:]}")
            checked = time.monotonic()
            while run_state(dag_id, run_id) not in FINISHED:
                time.sleep(0.5)
                if time.monotonic() - checked > 30:
                    checked = time.monotonic()
                    if not scheduler_alive():
                        raise CliError(
                            f"the scheduler stopped heartbeating while run {run_id} was unfinished"
                        )
    except BaseException as exc:
        if fail_run(dag_id, run_id, _reason(exc)):
            print(f"run {run_id} marked failed: {_reason(exc)}", file=sys.stderr, flush=True)
        raise
    return run_id, str(run_state(dag_id, run_id))
