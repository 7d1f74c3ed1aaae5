"""Arithmetic and ordering accept only the JSON types attune's evaluator accepts.

attune's expression module (crates/common/src/workflow/expression/mod.rs, module docs):
"``+`` (addition for numbers, concatenation for strings)", "``>``, ``<``, ``>=``, ``<=``
(ordering — numbers and strings only)". A JSON boolean is not a number there, so
``true + 1`` or ``[1] < [2]`` cannot give a value; Python computed ``2`` and ``True``
silently (a ``when: "{{ result().ok - 1 < 0 }}"`` routed on nonsense). These cases failed
before the fix; they are now located errors.
"""

from __future__ import annotations

import pendulum
import pytest

from attune_provider.expressions import ExpressionError, WorkflowContext, evaluate_expression, render

CTX = WorkflowContext(parameters={"flag": True, "n": 3, "names": ["b", "a"]})


@pytest.mark.parametrize(
    "expression",
    [
        "true + 1",
        "1 - true",
        "parameters.flag * 2",
        "2 / false",
        "parameters.flag % 2",
        "true ** 2",
        "[1] < [2]",
        "true < 2",
        "parameters.flag >= 0",
        "{'a': 1} > {'a': 0}",
        "1 < 'a'",
        "null < 1",
    ],
)
def test_operator_on_a_type_attune_refuses_is_an_error(expression):
    with pytest.raises(ExpressionError) as info:
        evaluate_expression(expression, CTX)
    assert expression in str(info.value)
    with pytest.raises(ExpressionError):
        render("{{ " + expression + " }}", CTX)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("parameters.n - 1", 2),
        ("2.5 < 3", True),
        ("3 >= 3.0", True),
        ("'abc' < 'abd'", True),
        ("parameters.names[0] > parameters.names[1]", True),
        ("1 < 2 < 3", True),
        ("'a' + 'b'", "ab"),
        ("[1] + [2]", [1, 2]),
    ],
)
def test_numbers_and_text_still_work(expression, expected):
    assert evaluate_expression(expression, CTX) == expected


def test_times_still_order():
    """now() and the system times are provider values, not JSON: they still compare."""
    ctx = WorkflowContext(system={"workflow_start": pendulum.datetime(2020, 1, 1)})
    assert evaluate_expression("now() > system.workflow_start", ctx) is True
