"""Airflow's own processes for one ``attune-airflow run``, started as ``airflow standalone`` does.

Mode "airflow" (see :mod:`attune_provider.cli.modes`) starts exactly the commands of
docs/running.md, "Run it like production, on one machine" (a test reads them from there):
``airflow scheduler`` (LocalExecutor), ``airflow dag-processor``, ``airflow triggerer`` and
``airflow api-server``, with the settings :func:`component_env` adds to the configuration the
CLI resolved (home, DB, XCom backend: every process gets the same environment explicitly).

A killed CLI leaves nothing behind: every component is in one process group of its own (the
first component leads it) and gets ``PR_SET_PDEATHSIG`` (SIGTERM when the CLI dies, Linux), so
Airflow shuts down its executor workers itself; what still lives is killed by group when the
next command opens the home (:mod:`attune_provider.cli.run_records`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

#: the public commands, in start order (docs/running.md lists the same, in the same order)
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("airflow", "api-server"),
    ("airflow", "scheduler"),
    ("airflow", "dag-processor"),
    ("airflow", "triggerer"),
)

SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def component_env(base: Mapping[str, str], port: int, parallelism: int) -> dict[str, str]:
    """The environment of every component: the CLI's resolved configuration plus the settings a
    one-machine deployment needs (docs/running.md names each one and why). User settings win
    except the API address, which must be the port this run serves on."""
    env = dict(base)
    defaults = {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(max(2, parallelism)),
        "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    env["AIRFLOW__API__HOST"] = "127.0.0.1"
    env["AIRFLOW__API__PORT"] = str(port)
    env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://127.0.0.1:{port}/execution/"
    # the scheduler's and the triggerer's log servers: free ports, so two runs never collide
    env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(free_port())
    env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"] = str(free_port())
    return env


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the CLI dies (Linux), in the run's process group."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def airflow_executable() -> str:
    """``airflow`` next to this interpreter (the same installation), else on PATH."""
    beside = Path(sys.executable).with_name("airflow")
    return str(beside) if beside.exists() else "airflow"


class Components:
    """The four processes of one run; ``stop()`` ends them (SIGTERM to the group, then SIGKILL)."""

    def __init__(self, env: Mapping[str, str], log: IO[bytes] | int | None = None) -> None:
        self.env = dict(env)
        self.log = log
        self.url = f"http://127.0.0.1:{self.env['AIRFLOW__API__PORT']}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.pgid: int | None = None

    def start(self) -> Components:
        for command in COMMANDS:
            self._spawn(command)
        return self

    def _spawn(self, command: tuple[str, ...]) -> None:
        pgid = self.pgid

        def in_child() -> None:
            os.setpgid(0, pgid or 0)
            _die_with_parent()

        process = subprocess.Popen(
            [airflow_executable(), *command[1:]],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=in_child,
        )
        if self.pgid is None:
            self.pgid = process.pid
        self.processes[command[1]] = process

    def exited(self) -> list[str]:
        """``name (exit code)`` of components that have stopped on their own."""
        return [f"{name} (exit {p.returncode})" for name, p in self.processes.items() if p.poll() is not None]

    def stop(self, grace: float = 15.0) -> None:
        if self.pgid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        kill_group(self.pgid)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.pgid = None


def kill_group(pgid: int) -> bool:
    """SIGKILL what is left of process group ``pgid``; True when something was there."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True
