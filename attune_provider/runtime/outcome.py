"""A finished attune task's outcome, decided from task-instance states (reference 5.3).

States say whether a task ran and whether it failed; XComs are pulled only for instances whose
state means one exists, to tell a timeout from a failure and to get the error text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# the package's one outcome vocabulary (attune_provider/outcomes.py); FAILED_OUTCOME because
# FAILED here is Airflow's task-instance state
from attune_provider.outcomes import FAILED as FAILED_OUTCOME
from attune_provider.outcomes import SUCCEEDED, TIMED_OUT
from attune_provider.runtime.plan import TaskPlan
from attune_provider.runtime.records import ERROR_KEY
from attune_provider.runtime.states import FAILED, SUCCESS, UPSTREAM_FAILED, XCOM_STATES, RunStates, pull


@dataclass(frozen=True)
class TaskOutcome:
    """``ran`` False: never selected (or not finished); ``status`` then is None."""

    ran: bool
    status: str | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in (FAILED_OUTCOME, TIMED_OUT)


NOT_RUN = TaskOutcome(ran=False)


def _from_stored(stored: Any, fallback: str) -> tuple[str, str | None]:
    """(status, error) of a failed instance's pushed result, or the fallback text."""
    if hasattr(stored, "get"):
        status = stored.get("outcome") or FAILED_OUTCOME
        if status == SUCCEEDED:
            status = FAILED_OUTCOME
        return status, stored.get("error") or fallback
    return FAILED_OUTCOME, fallback


def _inquiry_outcome(ti: Any, task: TaskPlan, states: RunStates) -> TaskOutcome | None:
    if not task.has_inquiry:
        return None
    state = states.state(task.inquiry_id)
    if state == SUCCESS:
        return None
    if state in (FAILED, UPSTREAM_FAILED):
        return TaskOutcome(True, TIMED_OUT, f"inquiry of task '{task.name}' was not answered in time")
    return None


def unmapped_outcome(ti: Any, task: TaskPlan, states: RunStates) -> TaskOutcome:
    if task.has_gate and states.state(task.gate_id) == FAILED:
        return TaskOutcome(True, FAILED_OUTCOME, pull(ti, task.gate_id, key=ERROR_KEY) or "gate failed")
    state = states.state(task.run_id)
    if state == SUCCESS:
        return TaskOutcome(True, SUCCEEDED)
    if state in (FAILED, UPSTREAM_FAILED):
        stored = pull(ti, task.result_id) if state == FAILED else None
        status, error = _from_stored(stored, f"task '{task.name}' failed without a result (see its log)")
        return TaskOutcome(True, status, error)
    return NOT_RUN


def mapped_outcome(ti: Any, task: TaskPlan, states: RunStates) -> TaskOutcome:
    gate = states.state(task.gate_id)
    if gate == FAILED:
        return TaskOutcome(True, FAILED_OUTCOME, pull(ti, task.gate_id, key=ERROR_KEY) or "with_items failed")
    if gate != SUCCESS:
        return NOT_RUN
    inquiry = _inquiry_outcome(ti, task, states)
    if inquiry is not None:
        return inquiry
    if not states.is_expanded(task.run_id):
        # a 0-length map: Airflow skips the unexpanded task; the task succeeded with []
        return TaskOutcome(True, SUCCEEDED)
    errors: list[str] = []
    statuses: set[str] = set()
    for index, state in states.mapped(task.run_id).items():
        if state == SUCCESS:
            continue
        if state in XCOM_STATES:
            status, error = _from_stored(pull(ti, task.run_id, map_index=index), "failed without a result")
        else:
            status, error = FAILED_OUTCOME, f"ended {state or 'unfinished'}"
        statuses.add(status)
        errors.append(f"item {index}: {error}")
    if not errors:
        return TaskOutcome(True, SUCCEEDED)
    status = FAILED_OUTCOME if FAILED_OUTCOME in statuses else TIMED_OUT
    return TaskOutcome(True, status, "; ".join(errors))


def task_outcome(ti: Any, task: TaskPlan, states: RunStates) -> TaskOutcome:
    return mapped_outcome(ti, task, states) if task.mapped else unmapped_outcome(ti, task, states)
