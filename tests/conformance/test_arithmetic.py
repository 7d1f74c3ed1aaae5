"""``%`` keeps the sign of the dividend, as attune's evaluator does (Rust's ``%`` on i64/f64).

attune's golden ``test_integer_arithmetic`` pins ``17 % 5 == 2``; for negative operands Rust's
remainder truncates toward zero (``-7 % 3 == -1``) where Python floors (``2``). Found probing
attune's documented arithmetic; the negative cases failed before the fix (a silent wrong answer
in a ``when`` such as ``{{ parameters.offset % 2 == 1 }}``).
"""

from __future__ import annotations

import pytest

from attune_provider.expressions import ExpressionError, WorkflowContext, evaluate_expression, render

CTX = WorkflowContext(parameters={"offset": -7})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("17 % 5", 2),
        ("-7 % 3", -1),
        ("7 % -3", 1),
        ("-7 % -3", -1),
        ("parameters.offset % 2", -1),
        ("-7.5 % 2", -1.5),
        ("7.5 % -2", 1.5),
        ("(2 ** 70 + 1) % -3", (2**70 + 1) % 3),
        ("-(2 ** 70) % 3", -((2**70) % 3)),
    ],
)
def test_remainder_truncates_toward_zero(expression, expected):
    value = evaluate_expression(expression, CTX)
    assert value == expected and type(value) is type(expected)
    assert render("{{ " + expression + " }}", CTX) == expected


@pytest.mark.parametrize("expression", ["5 % 0", "5.0 % 0", "-5 % 0.0"])
def test_remainder_by_zero_is_an_error(expression):
    with pytest.raises(ExpressionError):
        evaluate_expression(expression, CTX)


def test_percent_on_text_is_still_formatting():
    assert render("{{ '%s-%s' % ('a', 'b') }}", CTX) == "a-b"
