"""Child processes of the integration deployment: one process group each, output in a log file.

Why process groups: Airflow and Celery fork (task supervisors, pool workers, uvicorn workers);
signalling the whole group is the only way to be sure nothing outlives the test session.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class DeploymentError(RuntimeError):
    """A component did not come up or an API call failed."""


class ProcessDied(DeploymentError):
    """A process of the deployment exited: waiting any longer is pointless."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str, interval: float = 0.5, on_timeout=None) -> Any:
    """Poll ``check`` until it returns a truthy value; raise naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except ProcessDied:
            raise
        except Exception as exc:  # the component may simply not be up yet
            last_error = exc
        time.sleep(interval)
    detail = f" (last error: {last_error!r})" if last_error else ""
    if on_timeout is not None:
        on_timeout()
    raise DeploymentError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")


@dataclass
class ManagedProcess:
    """One child process in its own process group, with its output in a log file."""

    name: str
    popen: subprocess.Popen
    log_path: Path
    stop_signal: int = signal.SIGTERM

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])
