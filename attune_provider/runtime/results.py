"""``task.<name>`` during a run: results read lazily from XCom, only for tasks a template reads.

Unmapped tasks: the run step's return value (a lazy store view). with_items tasks: the list of
item results in item order (reference 6.5), itself lazy: ``task.x[3]`` pulls one instance's XCom.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from attune_provider.runtime.plan import TaskPlan, WorkflowPlan
from attune_provider.runtime.records import ITEMS_KEY, ItemsMeta
from attune_provider.runtime.states import SUCCESS, XCOM_STATES, pull, read_states


class ItemResults(Sequence[Any]):
    """Lazy list of a with_items task's per-item results, in item order.

    ``chunk`` > 0 means automatic batching (reference 6.3): instance ``i`` ran units
    ``i*chunk .. i*chunk+chunk-1`` and returned their results as a list.
    """

    def __init__(self, ti: Any, run_task_id: str, count: int, chunk: int = 0) -> None:
        self._ti = ti
        self._task_id = run_task_id
        self._count = count
        self._chunk = chunk
        self._instances: dict[int, Any] = {}

    def _instance(self, map_index: int) -> Any:
        try:
            return self._instances[map_index]
        except KeyError:
            value = pull(self._ti, self._task_id, map_index=map_index)
            self._instances[map_index] = value
            return value

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        if not self._chunk:
            return self._instance(index)
        instance = self._instance(index // self._chunk)
        if instance is None:
            return None
        return instance[index % self._chunk]

    def __iter__(self) -> Iterator[Any]:
        for i in range(self._count):
            yield self[i]

    def __repr__(self) -> str:
        return f"ItemResults({self._task_id}, count={self._count})"


class AirflowResultResolver:
    """The ``ResultResolver`` the expression context reads ``task.<name>`` through."""

    def __init__(self, ti: Any, plan: WorkflowPlan) -> None:
        self._ti = ti
        self._plan = plan

    def keys(self) -> list[str]:
        return list(self._plan.tasks)

    def get(self, task_name: str) -> Any:
        task = self._plan.tasks[task_name]  # KeyError for unknown tasks
        value = task_result(self._ti, task)
        if value is None:
            raise KeyError(task_name)
        return value


def task_result(ti: Any, task: TaskPlan) -> Any:
    """The stored result of one attune task, or None when it has none (did not run).

    States are read first so a task that never ran costs no failing XCom lookup.
    """
    if not task.mapped:
        if read_states(ti, [task.result_id]).state(task.result_id) not in XCOM_STATES:
            return None
        return pull(ti, task.result_id)
    if read_states(ti, [task.gate_id]).state(task.gate_id) != SUCCESS:
        return None
    meta = ItemsMeta.from_xcom(pull(ti, task.gate_id, key=ITEMS_KEY))
    if meta is None:
        return None
    return ItemResults(ti, task.run_id, meta.count, meta.chunk)
