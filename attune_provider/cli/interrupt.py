"""Ctrl-C (SIGINT) and SIGTERM during ``attune-airflow run``: stop the whole run, not one task.

In ``dag.test()`` every task runs in this process under Airflow's task runner, which turns any
exception raised inside a task -- KeyboardInterrupt included -- into that task's failure and lets
the run go on with the next task. So one interrupt only kills the running action (its process
group, see ``actions.process``). :func:`stop_on_interrupt` therefore keeps interrupting the main
thread every ``every`` seconds after the first signal until control leaves ``dag.test()``, and
always ends with ``KeyboardInterrupt`` so the caller marks the run failed and cleans up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator


class Interrupted:
    """Set by the signal handler; ``signal_name`` says which signal stopped the run."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal_name = ""


@contextlib.contextmanager
def stop_on_interrupt(every: float = 0.3) -> Iterator[Interrupted]:
    """Install the handlers for the block (main thread only); re-raise until the block is left."""
    state = Interrupted()
    leaving = threading.Event()

    def repeat() -> None:
        while not leaving.wait(every):
            os.kill(os.getpid(), signal.SIGINT)

    def handler(signum: int, _frame: object) -> None:
        if not state.event.is_set():
            state.signal_name = signal.Signals(signum).name
            state.event.set()
            threading.Thread(target=repeat, name="attune-interrupt", daemon=True).start()
        raise KeyboardInterrupt(state.signal_name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield state
    finally:
        leaving.set()
        for sig, old in previous.items():
            signal.signal(sig, old)
    if state.event.is_set():  # dag.test() swallowed every interrupt and returned: still stop
        raise KeyboardInterrupt(state.signal_name)


def stop_descendants(grace: float = 5.0) -> list[int]:
    """Terminate every process this one started (executor workers, task and action processes,
    child runs), then kill what is left after ``grace`` seconds; returns the pids found."""
    import psutil

    me = psutil.Process()
    children = me.children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(alive, timeout=grace)
    return [child.pid for child in children]
