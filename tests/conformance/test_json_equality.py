"""``==``, ``!=`` and ``in`` compare JSON values, as attune's evaluator does.

attune evaluates expressions over ``serde_json::Value`` (crates/common/src/workflow/expression,
module docs: "==, != (equality — works on all types, recursive for objects/arrays)", "Float/int
comparisons allowed: 3 == 3.0 → true"; tests ``test_null_equality``: ``null == 0`` and
``null == false`` are false; ``test_no_implicit_type_coercion``: "Comparing different types
(other than int/float) should return false for =="). A JSON boolean is never equal to a number. Python's ``True == 1``
made ``{{ result().count == true }}`` or ``{{ 1 in [true] }}`` silently true here (found by a
probe of attune's documented conditions); these cases failed before the fix.
"""

from __future__ import annotations

import pytest

from attune_provider.expressions import WorkflowContext, evaluate_expression, render
from tests.expressions.views import wrap

CTX = WorkflowContext(
    parameters={"flag": True, "one": 1, "zero": 0, "nums": [1, 2], "view": wrap([1, True]), "obj": {"a": 1}},
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("true == 1", False),
        ("1 == true", False),
        ("false == 0", False),
        ("true != 1", True),
        ("parameters.flag == parameters.one", False),
        ("parameters.zero == false", False),
        ("[1] == [true]", False),
        ("{'a': 1} == {'a': true}", False),
        ("parameters.obj == {'a': 1.0}", True),  # numbers still compare across int/float
        ("3 == 3.0", True),
        ("null == false", False),
        ("null == null", True),
        ("'3' == 3", False),
        ("[1, [2, 3]] == [1.0, [2, 3]]", True),
        ("1 in [true]", False),
        ("true in [1, 2]", False),
        ("true in parameters.view", True),
        ("1 in parameters.view", True),
        ("2 not in parameters.nums", False),
        ("0 not in [false]", True),
        ("'a' in parameters.obj", True),
        ("'ell' in 'hello'", True),
    ],
)
def test_equality_and_membership(expression, expected):
    assert evaluate_expression(expression, CTX) is expected
    assert render("{{ " + expression + " }}", CTX) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("contains([true], 1)", False),
        ("contains([1, 2], 2.0)", True),
        ("index_of([true, 1], 1)", 1),
        ("count([1, true, 1.0], 1)", 2),
        ("unique([1, true, 1.0, false, 0])", [1, True, False, 0]),
    ],
)
def test_collection_functions_use_the_same_equality(expression, expected):
    value = evaluate_expression(expression, CTX)
    assert value == expected
    if isinstance(expected, list):  # Python's 1 == True would hide a wrong element type
        assert [type(v) for v in value] == [type(v) for v in expected]
