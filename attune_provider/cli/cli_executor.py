"""The executor behind a parallel ``attune-airflow run``: Airflow's LocalExecutor with two bounds.

``dag.test(use_executor=True)`` queues every ready task instance and heartbeats the executor
about once a second; at each heartbeat LocalExecutor hands up to ``parallelism`` more workloads to
its worker queue, however many are still waiting there (in Airflow 3.3 nothing fills the
``running`` set its free slots are computed from). Two things go wrong with that here:

- The worker and result queues are pipes. With hundreds of workloads handed over (the main job's
  1,000 health checks) the CLI blocked writing workloads while the workers blocked writing
  results it was not reading: the run hung. Here at most two workloads per worker process are
  handed over and not yet finished: one running, one waiting so a free worker never idles until
  the next heartbeat.
- ``max_active_tis_per_dagrun`` (attune's ``concurrency``) is the scheduler's rule, which
  ``dag.test()`` does not apply; only the number of worker processes (the workflow's largest
  ``concurrency``, see :mod:`attune_provider.cli.parallel`) limited a run. Here a task whose limit
  is below the worker count gets no more than its limit handed over at a time, lowest
  ``map_index`` first, so a ``concurrency: 1`` task beside a ``concurrency: 8`` one still runs its
  items one by one in item order, as attune and the scheduler do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from airflow.executors.local_executor import LocalExecutor
from airflow.models.taskinstancekey import TaskInstanceKey

#: dispatch slots per worker process: one running, one waiting in the queue
SLOTS_PER_WORKER = 2

#: (dag_id, task_id) -> max_active_tis_per_dagrun of the DAGs this CLI run executes
_task_limits: dict[tuple[str, str], int] = {}


def limit_tasks(dags: Iterable[Any]) -> None:
    """Record each task's ``max_active_tis_per_dagrun`` for the executor (before ``dag.test()``)."""
    _task_limits.clear()
    for dag in dags:
        for task in dag.tasks:
            limit = getattr(task, "max_active_tis_per_dagrun", None)
            if limit:
                _task_limits[(dag.dag_id, task.task_id)] = int(limit)


class CliLocalExecutor(LocalExecutor):
    """LocalExecutor that bounds what it has handed over, per run and per task (see module doc).

    The stock executor's free slots are ``parallelism - len(running)``, but in Airflow 3.3 nothing
    adds to ``running``: every heartbeat hands over up to ``parallelism`` more workloads however
    many are still waiting in the pipe. Here a workload counts as handed over from the moment it
    is put on the worker queue until its result has been read.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.worker_count = max(1, int(self.parallelism))
        self.dispatch_slots = SLOTS_PER_WORKER * self.worker_count
        self.handed_over: set[Any] = set()

    def _spawn_worker(self) -> None:
        if len(self.workers) < self.worker_count:
            super()._spawn_worker()

    def _get_workloads_to_schedule(self, open_slots: int) -> list[tuple[Any, Any]]:
        free = self.dispatch_slots - len(self.handed_over)
        chosen: list[tuple[Any, Any]] = list(self.queued_callbacks.items())[: max(0, free)]
        in_flight = Counter(
            (key.dag_id, key.task_id) for key in self.handed_over if isinstance(key, TaskInstanceKey)
        )
        queued = sorted(
            self.queued_tasks.items(), key=lambda kv: (-kv[1].ti.priority_weight, kv[1].ti.map_index)
        )
        for key, workload in queued:
            if len(chosen) >= free:
                break
            task = (key.dag_id, key.task_id)
            limit = _task_limits.get(task)
            if limit is not None and limit < self.worker_count and in_flight[task] >= limit:
                continue  # held until one of this task's instances finishes
            in_flight[task] += 1
            chosen.append((key, workload))
        return chosen

    def _process_workloads(self, workload_list: Any) -> None:
        self.handed_over.update(workload.key for workload in workload_list)
        super()._process_workloads(workload_list)

    def change_state(self, key: Any, state: Any, info: Any = None, remove_running: bool = True) -> None:
        # task workloads report only their end (ExecuteTask.running_state is None)
        if str(getattr(state, "value", state)) != "running":
            self.handed_over.discard(key)
        super().change_state(key, state, info, remove_running)
