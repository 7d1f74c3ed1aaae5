"""reference 4.1, 4.3, 5.7 and 10.4 on the routing function itself (no DAG run needed).

``evaluate_transitions`` is what every routing step runs; the context is the real
``WorkflowContext`` and templates go through the real engine.
"""

from __future__ import annotations

import logging

import pytest

from attune_provider.expressions.context import WorkflowContext
from attune_provider.runtime.plan import TaskPlan
from attune_provider.runtime.routing import evaluate_transitions
from attune_provider.spec.model import TaskSpec, Transition

LOG = logging.getLogger("attune.test.transitions")


def _plan(*transitions: Transition) -> TaskPlan:
    targets = tuple(dict.fromkeys(t for tr in transitions for t in tr.do))
    spec = TaskSpec(name="src", action="core.noop", next=tuple(transitions))
    return TaskPlan(spec=spec, inbound=(), targets=targets, mapped=False, nested=False)


def _ctx(**variables: object) -> WorkflowContext:
    return WorkflowContext(parameters={"p": 1}, variables=variables, results={}, system={})


def test_every_matching_transition_fires_in_order_and_targets_are_unique() -> None:
    plan = _plan(
        Transition(when="{{ succeeded() }}", do=("b", "c")),
        Transition(when="{{ failed() }}", do=("never",)),
        Transition(do=("d", "b")),  # no when: fires on any outcome
        Transition(when="{{ succeeded() }}", do=("e",)),
    )
    selected, _, _ = evaluate_transitions(plan, _ctx(), "succeeded", {"v": 1}, LOG)
    assert selected == ["b", "c", "d", "e"]
    selected, _, _ = evaluate_transitions(plan, _ctx(), "failed", None, LOG)
    assert selected == ["never", "d", "b"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("succeeded", ["on_success", "always"]),
        ("failed", ["on_failure", "always"]),
        ("timed_out", ["on_timeout", "always"]),
    ],
)
def test_outcome_functions_select_by_status(status: str, expected: list[str]) -> None:
    plan = _plan(
        Transition(when="{{ succeeded() }}", do=("on_success",)),
        Transition(when="{{ failed() }}", do=("on_failure",)),
        Transition(when="{{ timed_out() }}", do=("on_timeout",)),
        Transition(when="{{ cancelled() }}", do=("on_cancel",)),
        Transition(when="{{ succeeded() or failed() or timed_out() }}", do=("always",)),
    )
    selected, _, _ = evaluate_transitions(plan, _ctx(), status, None, LOG)
    assert selected == expected


def test_failing_condition_follows_attunes_fire_on_success_rule_and_is_recorded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """attune's scheduler (advance_workflow): a ``when`` that fails to evaluate is logged and the
    transition fires iff the task succeeded; the task is not failed. The error is returned as a
    problem so the run's result lists it (issue 22, point 4)."""
    plan = _plan(
        Transition(when="{{ no_such_name.attr }}", publish=(("touched", "yes"),), do=("on_error",)),
        Transition(when="{{ 'yes' }}", do=("text_true",)),
        Transition(when="{{ 'no' }}", do=("text_false",)),
    )
    with caplog.at_level(logging.ERROR, logger=LOG.name):
        selected, updates, problems = evaluate_transitions(plan, _ctx(), "succeeded", None, LOG)
    assert selected == ["on_error", "text_true"]
    assert updates == {"touched": "yes"}
    assert len(problems) == 1 and "task 'src' next[1] when" in problems[0] and "no_such_name" in problems[0]
    assert "task 'src' next[1] when" in caplog.text and "no_such_name" in caplog.text
    selected, updates, problems = evaluate_transitions(plan, _ctx(), "failed", None, LOG)
    assert selected == ["text_true"] and updates == {}  # the task failed: not taken
    assert "the transition is not taken: the task did not succeed" in problems[0]


def test_publish_renders_in_order_and_a_failing_item_leaves_the_variable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    plan = _plan(
        Transition(
            when="{{ succeeded() }}",
            publish=(
                ("first", "{{ result().value }}"),
                ("second", "{{ first * 10 }}"),  # sees the value published just before
                ("kept", "{{ missing_name }}"),  # fails: 'kept' keeps its old value
                ("literal", "text"),
            ),
            do=("next_task",),
        ),
        Transition(when="{{ succeeded() }}", publish=(("third", "{{ second + first }}"),)),
    )
    with caplog.at_level(logging.ERROR, logger=LOG.name):
        selected, updates, problems = evaluate_transitions(plan, _ctx(kept="old"), "succeeded", {"value": 4}, LOG)
    assert selected == ["next_task"]
    assert len(problems) == 1 and "publish of 'kept' failed" in problems[0] and "missing_name" in problems[0]
    assert updates == {"first": 4, "second": 40, "literal": "text", "third": 44}
    assert "kept" not in updates
    assert "publish of 'kept' failed, variable left unchanged" in caplog.text
