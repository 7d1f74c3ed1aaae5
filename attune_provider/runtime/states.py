"""Task-instance states of the current DAG run, read through the task SDK (no DB access).

``RuntimeTaskInstance.get_task_states`` answers ``{run_id: {task_id: state}}`` with mapped
instances keyed ``"<task_id>_<map_index>"`` (reference 5.3); :class:`RunStates` undoes that
encoding for the task ids we ask about, so the rest of the runtime sees plain lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SUCCESS = "success"
FAILED = "failed"
SKIPPED = "skipped"
UPSTREAM_FAILED = "upstream_failed"
REMOVED = "removed"

#: states after which the task instance pushed (or tried to push) its XCom
XCOM_STATES = frozenset({SUCCESS, FAILED})
#: states a task instance does not leave during the run (retries and reschedules are not here)
FINISHED_STATES = frozenset({SUCCESS, FAILED, SKIPPED, UPSTREAM_FAILED, REMOVED})


class RunStates:
    """States of a set of task ids in one run, unmapped and mapped alike."""

    def __init__(self, raw: Mapping[str, Any], task_ids: Iterable[str]) -> None:
        self._plain: dict[str, str | None] = {}
        self._mapped: dict[str, dict[int, str | None]] = {}
        wanted = set(task_ids)
        for key, state in raw.items():
            state = _state_text(state)
            if key in wanted:
                self._plain[key] = state
                continue
            base, _, suffix = key.rpartition("_")
            if base in wanted and suffix.isdigit():
                self._mapped.setdefault(base, {})[int(suffix)] = state

    def state(self, task_id: str) -> str | None:
        """State of an unmapped task instance (None: not created or not finished)."""
        return self._plain.get(task_id)

    def mapped(self, task_id: str) -> dict[int, str | None]:
        """``{map_index: state}`` for an expanded mapped task, in index order."""
        return dict(sorted(self._mapped.get(task_id, {}).items()))

    def is_expanded(self, task_id: str) -> bool:
        return task_id in self._mapped


def _state_text(state: Any) -> str | None:
    if state is None:
        return None
    return getattr(state, "value", state)


def read_states(ti: Any, task_ids: list[str], *, whole_run: bool = False) -> RunStates:
    """One supervisor round trip for the states of ``task_ids`` in the current run.

    ``whole_run`` asks for every task instance of the run instead of listing ids (the end task
    needs nearly all of them, and a long id list would make a long request URL).
    """
    raw = ti.get_task_states(
        dag_id=ti.dag_id, task_ids=None if whole_run else list(task_ids), run_ids=[ti.run_id]
    )
    return RunStates(raw.get(ti.run_id, {}), task_ids)


def pull(ti: Any, task_id: str, *, key: str = "return_value", map_index: int = -1) -> Any:
    """One XCom of this run (None when absent); explicit map index so mapped callers work."""
    return ti.xcom_pull(task_ids=task_id, key=key, map_indexes=map_index)
