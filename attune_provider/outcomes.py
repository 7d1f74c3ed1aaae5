"""The outcomes a finished attune task can have: one vocabulary for what an action result holds
(``ActionResult.outcome``), what routing decides on, and what conditions test."""

from __future__ import annotations

from typing import Literal, get_args

Outcome = Literal["succeeded", "failed", "timed_out"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
SUCCEEDED, FAILED, TIMED_OUT = OUTCOMES
#: a condition function only (``cancelled()``): Airflow 3.3 has no cancelled task-instance state
CANCELLED = "cancelled"
CONDITION_OUTCOMES: tuple[str, ...] = (*OUTCOMES, CANCELLED)
