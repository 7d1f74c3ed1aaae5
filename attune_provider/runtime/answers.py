"""``inquiry.<task>`` in templates: the answer of a wait_for task's human-in-the-loop step.

The answer shape (documented in ``runtime.inquiry``) is built here from the HITL step's
return value, so the expression context and the inquiry operator share one definition
without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from attune_provider.runtime.plan import WorkflowPlan
from attune_provider.runtime.states import pull
from attune_provider.runtime.values import plain

#: the options offered when ``wait_for`` names none; answering them sets ``approved``
DEFAULT_OPTIONS = ("approve", "reject")


class InquiryAnswers(Mapping[str, Any]):
    """``inquiry.<task>``: ``{"response": ..., "responded_by": ...}`` from the HITL step."""

    def __init__(self, ti: Any, plan: WorkflowPlan) -> None:
        self._ti = ti
        self._plan = plan
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self._cache:
            return self._cache[name]
        task = self._plan.tasks.get(name)
        if task is None or not task.has_inquiry:
            raise KeyError(name)
        answer = answer_from_xcom(pull(self._ti, task.inquiry_id))
        self._cache[name] = answer
        return answer

    def __iter__(self) -> Iterator[str]:
        return iter([name for name, task in self._plan.tasks.items() if task.has_inquiry])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def answer_from_xcom(value: Any) -> dict[str, Any] | None:
    """The HITL step's return value -> ``inquiry.<task>`` (None: no answer)."""
    if not isinstance(value, Mapping):
        return None
    chosen = [str(option) for option in (value.get("chosen_options") or [])]
    response: dict[str, Any] = dict(plain(value.get("params_input") or {}))
    response.setdefault("chosen_options", chosen)
    response.setdefault("choice", chosen[0] if chosen else None)
    if chosen and set(chosen) <= set(DEFAULT_OPTIONS):
        response.setdefault("approved", chosen[0] == "approve")
    return {
        "response": response,
        "responded_by": plain(value.get("responded_by_user")),
        "responded_at": value.get("responded_at"),
    }
