"""Issue 10 item 2: a transition's ``when`` is evaluated exactly as attune evaluates it.

attune sources: crates/executor/src/workflow/graph.rs (``TransitionKind``: the fast path) and
crates/executor/src/workflow/context.rs (``evaluate_condition``: bare expression, then the
rendered text rule). Test names below cite the attune test each case comes from.
"""

from __future__ import annotations

import pytest

from attune_provider.expressions import ExpressionError, UndefinedNameError, WorkflowContext
from attune_provider.expressions.conditions import evaluate_condition, fast_path_outcome, rendered_truth
from attune_provider.expressions.text_rules import is_template, json_truthy, text_truth


@pytest.fixture
def ctx() -> WorkflowContext:
    return WorkflowContext(
        parameters={"count": 10, "x": 10, "y": 20, "flag": "false"},
        variables={"roles": ["admin", "user"], "items": [1, 2, 3, 4, 5], "empty": []},
        config={"retries": 3},
    )


@pytest.fixture
def succeeded(ctx: WorkflowContext) -> WorkflowContext:
    return ctx.with_outcome("succeeded", {"status": "ok", "code": 200})


# ------------------------------------------------------------- the observed failure
@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("succeeded()", True),  # context.rs test_condition_with_function_calls
        ("failed()", False),
        ("succeeded() and result().code == 200", True),
        ("succeeded() and result().code == 404", False),
        ("not failed()", True),  # context.rs evaluate_condition docstring
        ('result().status == "ok"', True),
    ],
)
def test_bare_when_is_evaluated_as_an_expression(succeeded: WorkflowContext, when: str, expected: bool) -> None:
    """Before: every `when` without braces was plain text -> error -> false (work skipped)."""
    assert evaluate_condition(when, succeeded) is expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("parameters.count > 5", True),  # context.rs test_condition_with_comparison
        ("parameters.count < 5", False),
        ("parameters.count == 10", True),
        ("parameters.count >= 10", True),
        ("parameters.count != 99", True),
        ("parameters.x > 5 and parameters.y > 15", True),  # test_condition_with_boolean_operators
        ("parameters.x > 5 and parameters.y > 25", False),
        ("parameters.x > 50 or parameters.y > 15", True),
        ("not parameters.x > 50", True),
        ('"admin" in roles', True),  # test_condition_with_in_operator
        ('"root" in roles', False),
        ('"admin" in workflow.roles', True),
        ("length(items) > 3", True),  # test_condition_with_length
        ("length(items) > 10", False),
        ("length(items) == 5", True),
        ("config.retries > 0", True),  # test_condition_with_config
        ("config.retries == 3", True),
        ("true", True),  # test_condition_evaluation
        ("false", False),
    ],
)
def test_attune_condition_tests(ctx: WorkflowContext, when: str, expected: bool) -> None:
    assert evaluate_condition(when, ctx) is expected


# ------------------------------------------------------------------- the three steps
def test_fast_path_forms_ignore_case_and_whitespace() -> None:
    assert fast_path_outcome("succeeded()") == "succeeded"
    assert fast_path_outcome("{{ succeeded() }}") == "succeeded"
    assert fast_path_outcome("  {{Failed( ) }} ") == "failed"
    assert fast_path_outcome("TIMED_OUT()") == "timed_out"
    assert fast_path_outcome("always") == "always"
    assert fast_path_outcome("succeeded() and true") is None


@pytest.mark.parametrize("status", ["succeeded", "failed", "timed_out", "cancelled"])
def test_fast_path_answers_from_the_outcome(ctx: WorkflowContext, status: str) -> None:
    octx = ctx.with_outcome(status, None)
    assert evaluate_condition("SUCCEEDED()", octx) is (status == "succeeded")
    assert evaluate_condition("{{ failed() }}", octx) is (status == "failed")
    assert evaluate_condition("timed_out()", octx) is (status == "timed_out")
    assert evaluate_condition("always", octx) is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), (False, False), (0, False), (0.0, False), ("", False), ([], False), ({}, False),
     (True, True), (2, True), ("false", True), ("x", True), ([0], True), ({"a": None}, True)],
)
def test_bare_expression_truth_is_attunes_is_truthy(value: object, expected: bool) -> None:
    assert json_truthy(value) is expected


def test_bare_expression_value_is_not_read_as_text(ctx: WorkflowContext) -> None:
    """attune: is_truthy of the string "false" is true (a non-empty string)."""
    assert evaluate_condition("parameters.flag", ctx) is True
    assert evaluate_condition("{{ parameters.flag }}", ctx) is False  # rendered text "false"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("{{ 'true' }}", True), ("{{ 'YES' }}", True), ("{{ 1 }}", True),
        ("{{ 'false' }}", False), ("{{ ' No ' }}", False), ("{{ 0 }}", False), ("{{ '' }}", False),
        ("{{ null }}", False), ("{{ 'maybe' }}", True), ("{{ [] }}", True), ("{{ {} }}", True),
        ("{{ 0.0 }}", True),  # rendered "0.0" is non-empty text that is not "0"
        ("count is {{ parameters.count }}", True), ("{{ true }}", True), ("{{ false }}", False),
    ],
)
def test_templates_use_the_text_rule(ctx: WorkflowContext, when: str, expected: bool) -> None:
    assert evaluate_condition(when, ctx) is expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [("yes", True), ("no", False), ("NO", False), ("FALSE", False), ("1", True), ("0", False),
     ("deploy it now", True), ("   ", False), ("", False)],
)
def test_text_that_is_no_expression_uses_the_text_rule(ctx: WorkflowContext, when: str, expected: bool) -> None:
    assert evaluate_condition(when, ctx) is expected


def test_text_truth_and_rendered_truth() -> None:
    assert [text_truth(t) for t in ("true", "1", "yes", " YES ")] == [True] * 4
    assert [text_truth(t) for t in ("false", "0", "no", "", "  ")] == [False] * 5
    assert text_truth("anything else") is True
    assert rendered_truth(False) is False and rendered_truth(None) is False and rendered_truth([1]) is True


def test_is_template_is_the_one_predicate() -> None:
    from attune_provider.expressions import has_template
    from attune_provider.spec.report import is_template as spec_is_template

    assert spec_is_template is is_template and has_template is is_template
    assert is_template("a {{ b }}") and is_template("{% if x %}{% endif %}") and is_template("{# c #}")
    assert not is_template("plain { braces }") and not is_template(None) and not is_template(3)


# --------------------------------------------------------- errors stay loud (deviation)
@pytest.mark.parametrize(
    "when",
    ["nope == 1", "succeeded() and nope.code == 1", "1 / 0", '"hello" + 5', "{{ nope }}", "{{ 1 / 0 }}"],
)
def test_a_when_that_fails_to_evaluate_is_a_located_error(succeeded: WorkflowContext, when: str) -> None:
    """attune falls back to the text (non-empty: true); we raise, routing logs it and uses false."""
    with pytest.raises(ExpressionError) as info:
        evaluate_condition(when, succeeded, where="task 'a' next[1] when")
    assert "task 'a' next[1] when" in str(info.value)


@pytest.mark.parametrize("when", ["succeeded", "{{ failed }}", "result"])
def test_a_function_without_parentheses_is_an_error(succeeded: WorkflowContext, when: str) -> None:
    """Would otherwise be silently true whatever the outcome."""
    with pytest.raises(ExpressionError, match="is a function, not a value"):
        evaluate_condition(when, succeeded)


def test_unknown_name_error_names_the_name(succeeded: WorkflowContext) -> None:
    with pytest.raises(UndefinedNameError) as info:
        evaluate_condition("succeeded() and missing_var", succeeded)
    assert info.value.name == "missing_var"


def test_outcome_functions_need_an_outcome(ctx: WorkflowContext) -> None:
    with pytest.raises(ExpressionError, match="only defined while evaluating"):
        evaluate_condition("succeeded()", ctx)
