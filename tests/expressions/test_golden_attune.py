"""Golden expression cases whose inputs and expected values come from attune's own tests.

Source files (github.com/attune-system/attune):
  EXPR = crates/common/src/workflow/expression/mod.rs (``mod tests``)
  CTX  = crates/executor/src/workflow/context.rs (``mod tests``)
Each case's pytest id is ``<file>::<attune test name>: <expression>``. Every case is checked
twice: as a bare expression (attune's ``eval_expression``) and as ``{{ expression }}`` (a
pure template keeps the value's type, attune's ``render_json``). Where this provider
deliberately differs (a Jinja superset), ``test_deviation_*`` pins the chosen behaviour; the
list is in docs/expressions.md ("Differences from attune").
"""

from __future__ import annotations

from typing import Any

import pytest

from attune_provider.expressions import ExpressionError, WorkflowContext, evaluate_expression, render

EXPR = "expression/mod.rs"
CTX = "executor/workflow/context.rs"
ERROR = object()  # the expected "value" of a case attune's test asserts is an error

_VARS: dict[str, dict[str, Any]] = {
    "test_array_equality": {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 4]},
    "test_object_equality": {"a": {"x": 1, "y": 2}, "b": {"y": 2, "x": 1}, "c": {"x": 1, "y": 3}},
    "test_dot_access": {"obj": {"a": {"b": 42}}},
    "test_bracket_access": {"arr": [10, 20, 30], "obj": {"key": "value"}},
    "test_in_operator": {"arr": [1, 2, 3], "obj": {"key": "val"}},
    "test_length": {"arr": [1, 2, 3], "obj": {"a": 1, "b": 2}},
    "test_type_of": {"arr": [1], "obj": {}},
    "test_keys_values": {"obj": {"b": 2, "a": 1}},
    "test_collection_functions": {"arr": [3, 1, 2]},
    "test_complex_expression": {"items": [1, 2, 3, 4, 5]},
    "test_chained_access": {"data": {"users": [{"name": "Alice"}, {"name": "Bob"}]}},
    "test_ternary_via_boolean": {"x": 10},
}

CASES: list[tuple[str, str, str, Any]] = [
    # (source file, attune test, expression, expected)
    (EXPR, "test_integer_arithmetic", "2 + 3", 5),
    (EXPR, "test_integer_arithmetic", "10 - 4", 6),
    (EXPR, "test_integer_arithmetic", "3 * 7", 21),
    (EXPR, "test_integer_arithmetic", "15 / 5", 3),
    (EXPR, "test_integer_arithmetic", "17 % 5", 2),
    (EXPR, "test_float_arithmetic", "2.5 + 1.5", 4.0),
    (EXPR, "test_float_arithmetic", "10.0 / 3.0", 10.0 / 3.0),
    (EXPR, "test_mixed_int_float", "2 + 1.5", 3.5),
    (EXPR, "test_mixed_int_float", "10 / 4", 2.5),
    (EXPR, "test_mixed_int_float", "10 / 4.0", 2.5),
    (EXPR, "test_mixed_int_float", "10 / 5", 2),
    (EXPR, "test_operator_precedence", "2 + 3 * 4", 14),
    (EXPR, "test_operator_precedence", "(2 + 3) * 4", 20),
    (EXPR, "test_operator_precedence", "10 - 2 * 3 + 1", 5),
    (EXPR, "test_unary_negation", "-5", -5),
    (EXPR, "test_unary_negation", "-2 + 3", 1),
    (EXPR, "test_unary_negation", "-(2 + 3)", -5),
    (EXPR, "test_string_concatenation", '"hello" + " " + "world"', "hello world"),
    (EXPR, "test_number_comparison", "3 == 3", True),
    (EXPR, "test_number_comparison", "3 != 4", True),
    (EXPR, "test_number_comparison", "3 > 2", True),
    (EXPR, "test_number_comparison", "3 < 2", False),
    (EXPR, "test_number_comparison", "3 >= 3", True),
    (EXPR, "test_number_comparison", "3 <= 4", True),
    (EXPR, "test_int_float_equality", "3 == 3.0", True),
    (EXPR, "test_int_float_equality", "3.0 == 3", True),
    (EXPR, "test_int_float_equality", "3 != 3.1", True),
    (EXPR, "test_string_comparison", '"abc" == "abc"', True),
    (EXPR, "test_string_comparison", '"abc" < "abd"', True),
    (EXPR, "test_string_comparison", '"abc" > "abb"', True),
    (EXPR, "test_null_equality", "null == null", True),
    (EXPR, "test_null_equality", "null != null", False),
    (EXPR, "test_null_equality", "null == 0", False),
    (EXPR, "test_null_equality", "null == false", False),
    (EXPR, "test_array_equality", "a == b", True),
    (EXPR, "test_array_equality", "a != c", True),
    (EXPR, "test_object_equality", "a == b", True),
    (EXPR, "test_object_equality", "a != c", True),
    (EXPR, "test_boolean_operators", "true and true", True),
    (EXPR, "test_boolean_operators", "true and false", False),
    (EXPR, "test_boolean_operators", "false or true", True),
    (EXPR, "test_boolean_operators", "false or false", False),
    (EXPR, "test_boolean_operators", "not true", False),
    (EXPR, "test_boolean_operators", "not false", True),
    (EXPR, "test_boolean_precedence", "true or false and false", True),
    (EXPR, "test_boolean_precedence", "(true or false) and false", False),
    (EXPR, "test_dot_access", "obj.a.b", 42),
    (EXPR, "test_bracket_access", "arr[1]", 20),
    (EXPR, "test_bracket_access", 'obj["key"]', "value"),
    (EXPR, "test_in_operator", "2 in arr", True),
    (EXPR, "test_in_operator", "5 in arr", False),
    (EXPR, "test_in_operator", '"key" in obj', True),
    (EXPR, "test_in_operator", '"nope" in obj', False),
    (EXPR, "test_in_operator", '"ell" in "hello"', True),
    (EXPR, "test_length", "length(arr)", 3),
    (EXPR, "test_length", 'length("hello")', 5),
    (EXPR, "test_length", "length(obj)", 2),
    (EXPR, "test_type_conversions", "string(42)", "42"),
    (EXPR, "test_type_conversions", 'number("3.15")', 3.15),
    (EXPR, "test_type_conversions", "int(3.9)", 3),
    (EXPR, "test_type_conversions", 'int("42")', 42),
    (EXPR, "test_type_conversions", "bool(1)", True),
    (EXPR, "test_type_conversions", "bool(0)", False),
    (EXPR, "test_type_conversions", 'bool("")', False),
    (EXPR, "test_type_conversions", 'bool("x")', True),
    (EXPR, "test_type_of", "type_of(42)", "number"),
    (EXPR, "test_type_of", 'type_of("hi")', "string"),
    (EXPR, "test_type_of", "type_of(true)", "bool"),
    (EXPR, "test_type_of", "type_of(null)", "null"),
    (EXPR, "test_type_of", "type_of(arr)", "array"),
    (EXPR, "test_type_of", "type_of(obj)", "object"),
    (EXPR, "test_keys_values", "sort(keys(obj))", ["a", "b"]),
    (EXPR, "test_keys_values", "sort(values(obj))", [1, 2]),
    (EXPR, "test_math_functions", "abs(-5)", 5),
    (EXPR, "test_math_functions", "floor(3.7)", 3),
    (EXPR, "test_math_functions", "ceil(3.2)", 4),
    (EXPR, "test_math_functions", "round(3.5)", 4),
    (EXPR, "test_math_functions", "min(3, 7)", 3),
    (EXPR, "test_math_functions", "max(3, 7)", 7),
    (EXPR, "test_math_functions", "sum([1, 2, 3, 4])", 10),
    (EXPR, "test_string_functions", 'lower("HELLO")', "hello"),
    (EXPR, "test_string_functions", 'upper("hello")', "HELLO"),
    (EXPR, "test_string_functions", 'trim("  hi  ")', "hi"),
    (EXPR, "test_string_functions", 'replace("hello world", "world", "rust")', "hello rust"),
    (EXPR, "test_string_functions", 'starts_with("hello", "hel")', True),
    (EXPR, "test_string_functions", 'ends_with("hello", "llo")', True),
    (EXPR, "test_string_functions", 'split("a,b,c", ",")', ["a", "b", "c"]),
    (EXPR, "test_string_functions", 'join(["a", "b", "c"], ",")', "a,b,c"),
    (EXPR, "test_regex_match", 'match("^hello", "hello world")', True),
    (EXPR, "test_regex_match", 'match("^world", "hello world")', False),
    (EXPR, "test_collection_functions", "sort(arr)", [1, 2, 3]),
    (EXPR, "test_collection_functions", "reversed(arr)", [2, 1, 3]),
    (EXPR, "test_collection_functions", "unique([1, 2, 2, 3, 1])", [1, 2, 3]),
    (EXPR, "test_collection_functions", "flat([[1, 2], [3, 4]])", [1, 2, 3, 4]),
    (EXPR, "test_collection_functions", 'zip([1, 2], ["a", "b"])', [[1, "a"], [2, "b"]]),
    (EXPR, "test_range", "range(5)", [0, 1, 2, 3, 4]),
    (EXPR, "test_range", "range(2, 5)", [2, 3, 4]),
    (EXPR, "test_reversed_string", 'reversed("abc")', "cba"),
    (EXPR, "test_contains_function", "contains([1, 2, 3], 2)", True),
    (EXPR, "test_contains_function", 'contains("hello", "ell")', True),
    (EXPR, "test_complex_expression", "length(items) > 3 and 5 in items", True),
    (EXPR, "test_chained_access", "data.users[1].name", "Bob"),
    (EXPR, "test_ternary_via_boolean", "x > 5 and x < 20", True),
    (EXPR, "test_no_implicit_type_coercion", '"hello" + 5', ERROR),
    (EXPR, "test_no_implicit_type_coercion", '"3" == 3', False),
    (EXPR, "test_division_by_zero", "5 / 0", ERROR),
    (EXPR, "test_division_by_zero", "5 % 0", ERROR),
    (EXPR, "test_array_literal", "[1, 2, 3]", [1, 2, 3]),
    (EXPR, "test_array_literal", '["a", "b"]', ["a", "b"]),
    (EXPR, "test_nested_function_calls", 'length(split("a,b,c", ","))', 3),
    (EXPR, "test_nested_function_calls", 'join(sort(["c", "a", "b"]), "-")', "a-b-c"),
    (EXPR, "test_boolean_literals", "true", True),
    (EXPR, "test_boolean_literals", "false", False),
    (EXPR, "test_boolean_literals", "null", None),
]


def _ctx(test: str) -> WorkflowContext:
    return WorkflowContext(variables=_VARS.get(test, {}))


def _same(value: Any, expected: Any) -> bool:
    """Equal, and the same JSON kind (an int 3 is not a float 3.0; bool is not a number)."""
    if isinstance(expected, (list, tuple)):
        return isinstance(value, list) and len(value) == len(expected) and all(map(_same, value, expected))
    if isinstance(expected, bool) or expected is None:
        return value is expected
    return value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("test", "expression", "expected"),
    [pytest.param(test, expr, exp, id=f"{src}::{test}: {expr}") for src, test, expr, exp in CASES],
)
def test_golden_expression(test: str, expression: str, expected: Any) -> None:
    ctx = _ctx(test)
    if expected is ERROR:
        with pytest.raises(ExpressionError):
            evaluate_expression(expression, ctx)
        with pytest.raises(ExpressionError):
            render("{{ " + expression + " }}", ctx)
        return
    bare = evaluate_expression(expression, ctx)
    assert _same(bare, expected), f"bare: {bare!r} != {expected!r}"
    templated = render("{{ " + expression + " }}", ctx)
    assert _same(templated, expected), f"template: {templated!r} != {expected!r}"


def test_golden_suite_size() -> None:
    assert len(CASES) >= 60


# ------------------------------------------------ context.rs: rendering and namespaces
def _run_ctx() -> WorkflowContext:
    return WorkflowContext(
        parameters={"name": "World", "config": {"server": {"port": 8080}}, "x": 10, "limit": 5,
                    "first": "Hello", "second": "World"},
        variables={"greeting": "Hello", "counter": 42, "data": "a,b,c", "arr": [10, 20, 30],
                   "items": [1, 2, 3]},
        results={"task1": {"status": "success"}, "fetch": {"data": {"id": 42}},
                 "run_cmd": {"stdout": "hello world"}},
        config={"api_token": "tok_abc123", "base_url": "https://api.example.com", "multiplier": 2},
        keystore={"secret_key": "s3cr3t", "My Secret Key": "value123", "api_key": "abc-123"},
    )


RENDER_CASES = [
    ("test_basic_template_rendering", "Hello {{ parameters.name }}!", "Hello World!"),
    ("test_nested_value_access", "Port: {{ parameters.config.server.port }}", "Port: 8080"),
    ("test_workflow_namespace_canonical", "{{ workflow.greeting }} World", "Hello World"),
    ("test_workflow_namespace_vars_alias", "{{ vars.greeting }} World", "Hello World"),
    ("test_workflow_namespace_variables_alias", "{{ variables.greeting }} World", "Hello World"),
    ("test_variable_access_bare_name_fallback", "{{ greeting }} World", "Hello World"),
    ("test_task_result_access", "Status: {{ task.task1.status }}", "Status: success"),
    ("test_task_result_deep_access", "{{ task.fetch.data.id }}", 42),
    ("test_task_result_stdout", "{{ task.run_cmd.stdout }}", "hello world"),
    ("test_config_namespace", "URL: {{ config.base_url }}", "URL: https://api.example.com"),
    ("test_keystore_namespace", "{{ keystore.secret_key }}", "s3cr3t"),
    ("test_keystore_bracket_access", '{{ keystore["My Secret Key"] }}', "value123"),
    ("test_expression_arithmetic", "{{ parameters.x + 5 }}", 15),
    ("test_expression_string_concat", '{{ parameters.first + " " + parameters.second }}', "Hello World"),
    ("test_expression_nested_functions", '{{ length(split(data, ",")) }}', 3),
    ("test_expression_bracket_access", "{{ arr[1] }}", 20),
    ("test_expression_type_conversion", "{{ int(3.9) }}", 3),
    ("test_published_var_accessible_via_workflow_namespace", "{{ vars.counter }}", 42),
    ("test_cross_namespace_expression", "{{ parameters.limit * config.multiplier }}", 10),
    ("test_keystore_in_template", "Bearer {{ keystore.api_key }}", "Bearer abc-123"),
]


@pytest.mark.parametrize(
    ("template", "expected"), [pytest.param(t, e, id=f"{CTX}::{name}") for name, t, e in RENDER_CASES]
)
def test_golden_render(template: str, expected: Any) -> None:
    assert _same(render(template, _run_ctx()), expected)


def test_golden_item_rendering() -> None:
    """context.rs test_item_context, test_with_items_integer_type_preservation."""
    ctx = _run_ctx().with_item({"name": "item1"}, 0)
    assert render("Item: {{ item.name }}, Index: {{ index }}", ctx) == "Item: item1, Index: 0"
    ctx = _run_ctx().with_item(3, 3)
    rendered = render({"message": "Sleeping for {{ item }} seconds ", "seconds": "{{item}}"}, ctx)
    assert rendered == {"message": "Sleeping for 3 seconds ", "seconds": 3}
    assert type(rendered["seconds"]) is int


def test_golden_result_functions() -> None:
    """context.rs test_result_function, test_succeeded_failed_functions, test_render_json_*."""
    base = _run_ctx()
    ctx = base.with_outcome("succeeded", {"data": {"items": [10, 20]}, "stdout": "hello"})
    assert render("{{ result().stdout }}", ctx) == "hello"
    assert render("{{ result().data.items }}", ctx) == [10, 20]
    assert evaluate_expression("succeeded()", ctx) is True
    assert evaluate_expression("failed()", ctx) is False
    assert evaluate_expression("timed_out()", ctx) is False
    assert render("{{ succeeded() }}", ctx) is True
    assert evaluate_expression("failed()", base.with_outcome("failed", {})) is True
    assert evaluate_expression("timed_out()", base.with_outcome("timed_out", {})) is True


# -------------------------------------------------- deliberate differences (pinned)
def test_deviation_jinja_superset_filters_conditionals_and_concat() -> None:
    """attune's language has no filters, `x if c else y`, `~` or statements; real files use them."""
    ctx = _run_ctx()
    assert render("{{ [3, 1, 2] | sort | first }}", ctx) == 1
    assert render("{{ 'a' if parameters.x > 5 else 'b' }}", ctx) == "a"
    assert render("{{ 'n' ~ 5 }}", ctx) == "n5"
    assert render("{% for i in range(3) %}{{ i }}{% endfor %}", ctx) == "012"


def test_deviation_python_capitalised_literals() -> None:
    """Jinja also reads True/False/None (attune: lowercase true/false/null only)."""
    assert evaluate_expression("True and not False", {}) is True
    assert evaluate_expression("None == null", {}) is True


def test_deviation_regex_dialect_and_timeout() -> None:
    """match() uses Python's `regex` module (lookaround, backreferences) under a time limit;
    attune uses Rust's regex crate, which rejects those constructs."""
    assert render("{{ match('(a)\\\\1', 'xaa') }}", {}) is True
    assert render("{{ match('foo(?=bar)', 'foobar') }}", {}) is True


def test_deviation_bool_of_false_text() -> None:
    """bool() of text follows the `when` text rule: "false"/"0"/"no" are false (attune's own
    tests only pin bool("") false and bool("x") true)."""
    assert evaluate_expression('bool("false")', {}) is False
    assert evaluate_expression('bool("no")', {}) is False
    assert evaluate_expression('bool("x")', {}) is True


def test_deviation_failing_bare_when_is_an_error_not_true() -> None:
    """attune reads a failing bare `when` as its own non-empty text (true); here it is an
    ExpressionError, which routing logs and treats as false."""
    from attune_provider.expressions import evaluate_condition

    ctx = _run_ctx().with_outcome("succeeded", {})
    with pytest.raises(ExpressionError):
        evaluate_condition("succeeded() and no_such_variable > 1", ctx)
