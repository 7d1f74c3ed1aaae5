"""Live progress of a DAG run, read from the metadata DB by a side thread.

The main thread waits for the run, so a daemon thread polls the task-instance table of this
CLI's own run id (its own DB session) and redraws one status line on stderr: on a terminal in place, otherwise a new line
whenever the counts change (at most every few seconds), so CI logs stay readable.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

FINISHED = {"success", "failed", "skipped", "upstream_failed", "removed"}


@dataclass
class Snapshot:
    """Counts of one poll: per state overall, and done/total per mapped task."""

    states: Counter = field(default_factory=Counter)
    mapped: dict[str, tuple[int, int]] = field(default_factory=dict)  # task_id -> (done, total)

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def done(self) -> int:
        return sum(n for state, n in self.states.items() if state in FINISHED)


def snapshot(dag_id: str, run_id: str) -> Snapshot:
    """Task-instance counts of the run ``run_id`` of ``dag_id``."""
    from airflow import settings
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(settings.engine) as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.state).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id
            )
        ).all()
    snap = Snapshot()
    mapped: dict[str, list[int]] = {}
    for task_id, map_index, state in rows:
        name = str(getattr(state, "value", state) or "none")
        snap.states[name] += 1
        if map_index is not None and map_index >= 0:
            counts = mapped.setdefault(task_id, [0, 0])
            counts[1] += 1
            counts[0] += name in FINISHED
    snap.mapped = {task: (done, total) for task, (done, total) in mapped.items()}
    return snap


def format_line(snap: Snapshot, elapsed: float, width: int = 160) -> str:
    order = (
        "success",
        "running",
        "queued",
        "scheduled",
        "failed",
        "upstream_failed",
        "skipped",
        "up_for_retry",
    )
    parts = [f"{snap.states[s]} {s}" for s in order if snap.states.get(s)]
    others = sorted(set(snap.states) - set(order) - {"none"})
    parts.extend(f"{snap.states[s]} {s}" for s in others)
    line = f"[{elapsed:6.1f}s] {snap.done}/{snap.total} task instances done"
    if parts:
        line += f" ({', '.join(parts)})"
    biggest = sorted(snap.mapped.items(), key=lambda kv: -kv[1][1])[:2]
    for task_id, (done, total) in biggest:
        short = task_id.rsplit(".", 2)
        label = ".".join(short[-2:]) if len(short) > 1 else task_id
        line += f" | {label}: {done}/{total}"
    return line[:width]


class ProgressDisplay:
    """Background poller; ``stop()`` prints the final line. Errors while polling are ignored
    (SQLite may be busy for a moment while ``dag.test()`` commits)."""

    def __init__(
        self, dag_id: str, *, record: Any, stream: TextIO | None = None, interval: float = 0.5
    ) -> None:
        self.dag_id = dag_id
        self.record = record
        self.stream = stream or sys.stderr
        self.interval = interval
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.last: Snapshot | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="attune-progress", daemon=True)
        self._printed = ""
        self._printed_at = 0.0

    def start(self) -> ProgressDisplay:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def _poll(self) -> None:
        run_id = next((r for d, r in self.record.data["runs"] if d == self.dag_id), None)
        if run_id is None:  # not triggered yet
            return
        try:
            self.last = snapshot(self.dag_id, run_id)
        except Exception:
            return

    def _draw(self, final: bool = False) -> None:
        if self.last is None:
            return
        line = format_line(self.last, time.monotonic() - self.started)
        if self.tty:
            self.stream.write("\r\x1b[K" + line + ("\n" if final else ""))
            self.stream.flush()
            return
        now = time.monotonic()
        counts = line.split("]", 1)[-1]
        if final or (counts != self._printed and now - self._printed_at >= 2.0):
            self.stream.write(line + "\n")
            self.stream.flush()
            self._printed, self._printed_at = counts, now

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll()
            self._draw()

    def stop(self) -> Snapshot | None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._poll()
        self._draw(final=True)
        return self.last
