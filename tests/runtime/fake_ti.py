"""A small stand-in for Airflow's RuntimeTaskInstance, for millisecond tests of runtime rules.

It answers exactly the three calls the runtime makes (``get_task_states``, ``xcom_pull``,
``xcom_push``) from dicts the test fills, with Airflow's encodings: mapped states keyed
``"<task_id>_<map_index>"`` under the run id. End-to-end behaviour is still proven with
``dag.test()``; this only makes the rules themselves cheap to pin down.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class FakeTI:
    def __init__(
        self,
        *,
        dag_id: str = "test.fake",
        run_id: str = "manual__fake",
        task_id: str = "x.run",
        map_index: int = -1,
        try_number: int = 1,
        max_tries: int = 0,
    ) -> None:
        self.dag_id = dag_id
        self.run_id = run_id
        self.task_id = task_id
        self.map_index = map_index
        self.try_number = try_number
        self.max_tries = max_tries
        self.states: dict[str, str | None] = {}
        self.xcoms: dict[tuple[str, str, int], Any] = {}
        self.state_queries = 0

    # -- test setup ------------------------------------------------------------------------
    def set_state(self, task_id: str, state: str | None, map_index: int = -1) -> FakeTI:
        key = task_id if map_index < 0 else f"{task_id}_{map_index}"
        self.states[key] = state
        return self

    def put(self, task_id: str, value: Any, key: str = "return_value", map_index: int = -1) -> FakeTI:
        self.xcoms[(task_id, key, map_index)] = value
        return self

    def pushed(self, key: str = "return_value") -> Any:
        return self.xcoms.get((self.task_id, key, self.map_index))

    # -- the RuntimeTaskInstance calls the runtime makes -----------------------------------
    def get_task_states(
        self, dag_id: str, task_ids: Iterable[str] | None = None, run_ids: Iterable[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        assert dag_id == self.dag_id and list(run_ids or []) == [self.run_id]
        self.state_queries += 1
        if task_ids is None:
            return {self.run_id: dict(self.states)}
        wanted = set(task_ids)
        out = {
            key: state
            for key, state in self.states.items()
            if key in wanted or key.rpartition("_")[0] in wanted
        }
        return {self.run_id: out}

    def xcom_pull(
        self,
        task_ids: str | None = None,
        key: str = "return_value",
        map_indexes: int | None = None,
        dag_id: str | None = None,
        run_id: str | None = None,
    ) -> Any:
        assert isinstance(task_ids, str), "the runtime pulls one task id at a time"
        return self.xcoms.get((task_ids, key, -1 if map_indexes is None else map_indexes))

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[(self.task_id, key, self.map_index)] = value
