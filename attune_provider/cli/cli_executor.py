"""The executor behind a parallel ``attune-airflow run``: Airflow's LocalExecutor, dispatching at once.

``dag.test(use_executor=True)`` heartbeats its executor once per loop turn, and the loop sleeps
1 s whenever nothing new is schedulable. LocalExecutor puts a workload on its worker queue only
at a heartbeat with a free slot, and its slots equal its worker processes, so a worker that
finishes an item idles until the next turn (measured: 24 items of 2 s on 8 workers ran in five
waves instead of three). Here the worker processes stay ``[core] parallelism`` (the workflow's
``concurrency``, see :mod:`attune_provider.cli.parallel`), but twice as many workloads go onto
the worker queue: a worker finds its next item waiting the moment it is free, and still no more
than ``worker_count`` instances run at a time. Not more than that: the worker and result queues
are pipes, and with everything handed over at once (1,000 instances) the CLI blocked writing
workloads while the workers blocked writing results it was not reading.
"""

from __future__ import annotations

from typing import Any

from airflow.executors.local_executor import LocalExecutor

#: dispatch slots per worker process: one running, one waiting in the queue
SLOTS_PER_WORKER = 2


class CliLocalExecutor(LocalExecutor):
    """LocalExecutor whose dispatch slots are decoupled from its number of worker processes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.worker_count = max(1, int(self.parallelism))
        self.parallelism = SLOTS_PER_WORKER * self.worker_count

    def _spawn_worker(self) -> None:
        if len(self.workers) < self.worker_count:
            super()._spawn_worker()
