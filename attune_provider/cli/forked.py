"""A function run in a forked child of the CLI until SIGTERM: the CLI's own Airflow services.

Forked after Airflow is imported, the child does not import it again (a fresh interpreter cost
~5 s of CPU on the 2-core machine); Airflow disposes inherited database connections in a forked
child itself. The child never returns into the CLI (``os._exit``), writes to the CLI's fd 1 (its
masked log file) and is reaped here, so it never lingers as a zombie.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from collections.abc import Callable


class ForkedChild:
    """``target`` running in a child process; :meth:`stop` ends it (SIGTERM, then SIGKILL)."""

    def __init__(self, name: str, target: Callable[[], None]) -> None:
        self.name = name
        self.target = target
        self.pid: int | None = None
        self.exit_code: int | None = None

    def start(self) -> ForkedChild:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: run until terminated, never return into the CLI
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                self.target()
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.pid = pid
        return self

    def exited(self) -> bool:
        """Whether the child has ended (reaping it if so)."""
        if self.pid is None or self.exit_code is not None:
            return True
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.exit_code = -1
            return True
        if pid == 0:
            return False
        self.exit_code = os.waitstatus_to_exitcode(status)
        return True

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM (Airflow's services shut down cleanly on it), SIGKILL after ``grace`` seconds."""
        if self.pid is None or self.exited():
            return
        os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while not self.exited():
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                self.exit_code = -signal.SIGKILL
                return
            time.sleep(0.05)
