"""Which DAG runs (and processes) each ``attune-airflow run`` owns, so none outlives its CLI.

Every run records ``$AIRFLOW_HOME/attune-cli/runs/<pid>.json``: the CLI's pid and start time,
the run ids it created, and a marker its child processes carry in their environment. A CLI that
ends normally removes its record. A record whose CLI is dead (``kill -9``, a crash, a reboot) is
settled by the next command that opens the home: its processes are killed and each of its runs
that is not finished is marked ``failed``, with the reason in the run's note. Only runs named in
a record are ever touched, by their own run ids.

:func:`home_lock` serialises what must not run twice at once on a fresh home (creating the
metadata DB, writing the DAG file, the first serialization of a DAG).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MARKER_ENV = "ATTUNE_CLI_RUN"


def _folder(home: Path) -> Path:
    folder = home / "attune-cli" / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def home_lock(home: Path) -> Iterator[None]:
    """An exclusive lock on the home (a file lock: released by the OS if the holder dies)."""
    path = home / "attune-cli" / "home.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _started(pid: int) -> float | None:
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


class RunRecord:
    """This CLI's record; ``add`` a run id before triggering it, ``close`` at the end."""

    def __init__(self, home: Path) -> None:
        self.pid = os.getpid()
        self.path = _folder(home) / f"{self.pid}.json"
        self.marker = f"{self.pid}-{_started(self.pid)}"
        self.data: dict[str, Any] = {"pid": self.pid, "started": _started(self.pid), "runs": []}
        os.environ[MARKER_ENV] = self.marker  # inherited by every process this run starts
        self._write()

    def add(self, dag_id: str, run_id: str, api_url: str | None = None) -> None:
        self.data["runs"].append([dag_id, run_id])
        if api_url:
            self.data["api_url"] = api_url
        self._write()

    def guest_of_scheduler(self) -> None:
        """This run is executed by a scheduler another CLI run started: that run waits for it."""
        self.data["guest"] = True
        self._write()

    def _write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({**self.data, "marker": self.marker}), encoding="utf-8")
        tmp.replace(self.path)

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


def live_api_url(home: Path) -> str | None:
    """The api-server a live CLI run started on this home (any serves the whole metadata DB)."""
    for record in _records(home):
        if _alive(record) and record.get("api_url"):
            return str(record["api_url"])
    return None


def guests_of(owner: RunRecord) -> list[int]:
    """Pids of live CLI runs whose runs a scheduler executes (they may be using ``owner``'s)."""
    home = owner.path.parent.parent.parent
    return [int(r["pid"]) for r in _records(home) if r.get("guest") and r["pid"] != owner.pid and _alive(r)]


def _records(home: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(_folder(home).glob("*.json")):
        with contextlib.suppress(OSError, ValueError):
            found.append({**json.loads(path.read_text(encoding="utf-8")), "_path": str(path)})
    return found


def _alive(record: dict[str, Any]) -> bool:
    started = _started(int(record["pid"]))
    return started is not None and started == record.get("started")


def settle_dead_runs(home: Path) -> list[str]:
    """Kill the leftovers of dead CLIs and fail their unfinished runs; returns what was done."""
    done = []
    for record in _records(home):
        if _alive(record):
            continue
        killed = kill_marked(str(record.get("marker", "")))
        reason = f"attune-airflow run (pid {record['pid']}) died before its run finished"
        for dag_id, run_id in record.get("runs", []):
            if fail_run(dag_id, run_id, reason):
                done.append(f"run {dag_id} / {run_id} marked failed: {reason}")
        if killed:
            done.append(f"stopped {killed} leftover process(es) of pid {record['pid']}")
        Path(record["_path"]).unlink(missing_ok=True)
    for line in done:
        print(line, file=sys.stderr)
    return done


def kill_marked(marker: str) -> int:
    """SIGKILL every process of ours whose environment carries ``marker``."""
    import psutil

    if not marker:
        return 0
    victims = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if process.pid != os.getpid() and process.environ().get(MARKER_ENV) == marker:
                victims.append(process)
    for process in victims:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(victims, timeout=5)
    return len(victims)


def fail_run(dag_id: str, run_id: str, reason: str) -> bool:
    """Mark the run ``run_id`` (and its unfinished task instances) failed, reason in its note.
    False when it is already finished or does not exist."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, State, TaskInstanceState
    from sqlalchemy import select, update

    with create_session() as session:
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        if run is None or str(getattr(run.state, "value", run.state)) in ("success", "failed"):
            return False
        session.execute(
            update(TaskInstance)
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.state.not_in(list(State.finished)),
            )
            .values(state=TaskInstanceState.FAILED)
            .execution_options(synchronize_session=False)
        )
        run.state = DagRunState.FAILED
        run.note = reason[:1000]
    return True


def claim_run(dag_id: str, run_id: str) -> None:
    """Record who triggered an in-process run: ``dag.test()`` names every run it creates
    ``triggered_by=test`` by user ``dag_test`` (``airflow.models.dagrun.get_or_create_dagrun``),
    and the UI would show that instead of the person who ran ``attune-airflow run``."""
    import getpass

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunTriggeredByType
    from sqlalchemy import update

    with create_session() as session:
        session.execute(
            update(DagRun)
            .where(DagRun.dag_id == dag_id, DagRun.run_id == run_id, DagRun.triggering_user_name == "dag_test")
            .values(triggered_by=DagRunTriggeredByType.CLI, triggering_user_name=getpass.getuser())
            .execution_options(synchronize_session=False)
        )
