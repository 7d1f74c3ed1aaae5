"""reference 10.3: attune's function library, called from templates, on plain values and lazy views."""

from __future__ import annotations

import re
import uuid

import pendulum
import pytest

from attune_provider.expressions import ExpressionError, WorkflowContext, render
from attune_provider.expressions.functions import FUNCTIONS
from tests.expressions.views import wrap

SPEC_FUNCTIONS = [
    "length",
    "keys",
    "values",
    "string",
    "number",
    "int",
    "bool",
    "type_of",
    "abs",
    "floor",
    "ceil",
    "round",
    "min",
    "max",
    "sum",
    "lower",
    "upper",
    "trim",
    "split",
    "join",
    "replace",
    "starts_with",
    "ends_with",
    "match",
    "contains",
    "reversed",
    "sort",
    "unique",
    "flat",
    "zip",
    "range",
    "slice",
    "index_of",
    "count",
    "merge",
    "chunks",
    "now",
    "uuid",
    "shell_quote",
    "quote",
]

DATA = {
    "nums": [3, 1, 2, 3],
    "words": ["b", "a", "b"],
    "obj": {"a": 1, "b": 2},
    "text": "  Hello World  ",
    "nested": [[1, 2], [3], 4],
    "people": [{"name": "zed", "age": 3}, {"name": "amy", "age": 5}],
}

CASES = [
    ("{{ length(p.nums) }}", 4),
    ("{{ length(p.obj) }}", 2),
    ("{{ length(p.text) }}", 15),
    ("{{ length(None) }}", 0),
    ("{{ keys(p.obj) }}", ["a", "b"]),
    ("{{ values(p.obj) }}", [1, 2]),
    ("{{ string(5) }}", "5"),
    ("{{ string(p.obj) }}", '{"a":1,"b":2}'),
    ("{{ string(None) }}", ""),
    ("{{ string(true) }}", "true"),
    ("{{ number('42') }}", 42),
    ("{{ number('4.5') }}", 4.5),
    ("{{ number(true) }}", 1),
    ("{{ int('3.7') }}", 3),
    ("{{ int(9.9) }}", 9),
    ("{{ bool('yes') }}", True),
    ("{{ bool('0') }}", False),
    ("{{ bool(p.nums) }}", True),
    ("{{ bool(None) }}", False),
    ("{{ type_of(None) }}", "null"),
    ("{{ type_of(true) }}", "bool"),
    ("{{ type_of(null) }}", "null"),
    ("{{ bool('maybe') }}", True),
    ("{{ bool('') }}", False),
    ("{{ shell_quote('a b; rm x') }}", "'a b; rm x'"),
    ("{{ quote(\"it's\") }}", "'it'\"'\"'s'"),
    ("{{ type_of(1.5) }}", "number"),
    ("{{ type_of('x') }}", "string"),
    ("{{ type_of(p.nums) }}", "array"),
    ("{{ type_of(p.obj) }}", "object"),
    ("{{ abs(-3) }}", 3),
    ("{{ floor(2.7) }}", 2),
    ("{{ ceil(2.1) }}", 3),
    ("{{ round(2.5) }}", 3),
    ("{{ round(-2.5) }}", -3),
    ("{{ round(3.14159, 2) }}", 3.14),
    ("{{ min(p.nums) }}", 1),
    ("{{ min(4, 2, 8) }}", 2),
    ("{{ max(p.nums) }}", 3),
    ("{{ max(4, 9) }}", 9),
    ("{{ sum(p.nums) }}", 9),
    ("{{ lower('AbC') }}", "abc"),
    ("{{ upper('AbC') }}", "ABC"),
    ("{{ trim(p.text) }}", "Hello World"),
    ("{{ split('a,b,c', ',') }}", ["a", "b", "c"]),
    ("{{ split('a b') }}", ["a", "b"]),
    ("{{ join(p.words, '-') }}", "b-a-b"),
    ("{{ join([1, None, true], ',') }}", "1,,true"),
    ("{{ replace('aXbX', 'X', '.') }}", "a.b."),
    ("{{ starts_with('prod-eu', 'prod') }}", True),
    ("{{ ends_with('prod-eu', 'us') }}", False),
    ("{{ match('^v\\\\d+', 'v1.2.3') }}", True),
    ("{{ match('^v', 'x1') }}", False),
    ("{{ contains('hello', 'ell') }}", True),
    ("{{ contains(p.nums, 2) }}", True),
    ("{{ contains(p.obj, 'z') }}", False),
    ("{{ contains(None, 1) }}", False),
    ("{{ reversed(p.words) }}", ["b", "a", "b"]),
    ("{{ reversed([1, 2, 3]) }}", [3, 2, 1]),
    ("{{ reversed('abc') }}", "cba"),
    ("{{ sort(p.nums) }}", [1, 2, 3, 3]),
    ("{{ sort(p.people, 'name') | map(attribute='name') | list }}", ["amy", "zed"]),
    ("{{ unique(p.nums) }}", [3, 1, 2]),
    ("{{ unique([[1], [1], [2]]) }}", [[1], [2]]),
    ("{{ flat(p.nested) }}", [1, 2, 3, 4]),
    ("{{ zip(p.words, p.nums) }}", [["b", 3], ["a", 1], ["b", 2]]),
    ("{{ range(3) }}", [0, 1, 2]),
    ("{{ range(1, 7, 2) }}", [1, 3, 5]),
    ("{{ slice(p.nums, 1, 3) }}", [1, 2]),
    ("{{ slice('abcdef', 2) }}", "cdef"),
    ("{{ index_of(p.words, 'a') }}", 1),
    ("{{ index_of(p.words, 'z') }}", -1),
    ("{{ index_of('abc', 'c') }}", 2),
    ("{{ count(p.nums, 3) }}", 2),
    ("{{ count('banana', 'a') }}", 3),
    ("{{ count(p.nums) }}", 4),
    ("{{ merge(p.obj, {'b': 20, 'c': 3}) }}", {"a": 1, "b": 20, "c": 3}),
    ("{{ chunks(p.nums, 3) }}", [[3, 1, 2], [3]]),
]


def test_every_spec_function_exists_and_is_tested() -> None:
    assert sorted(FUNCTIONS) == sorted(SPEC_FUNCTIONS)
    tested = {m for template, _ in CASES for m in re.findall(r"(\w+)\(", template)}
    assert set(SPEC_FUNCTIONS) - tested == {"now", "uuid"}  # tested below: not deterministic


@pytest.mark.parametrize("lazy", [False, True], ids=["plain", "lazy-views"])
@pytest.mark.parametrize(("template", "expected"), CASES)
def test_function(template: str, expected: object, lazy: bool) -> None:
    ctx = WorkflowContext(parameters=wrap(DATA) if lazy else DATA)
    value = render(template.replace("p.", "parameters."), ctx)
    assert value == expected
    assert type(value) is type(expected)


def test_now_is_utc_pendulum() -> None:
    before = pendulum.now("UTC")
    value = render("{{ now() }}", WorkflowContext())
    assert isinstance(value, pendulum.DateTime)
    assert value.timezone_name == "UTC"
    assert before <= value <= pendulum.now("UTC")
    assert render("{{ now().year }}", WorkflowContext()) == before.year


def test_uuid_is_unique_text() -> None:
    first, second = render(["{{ uuid() }}", "{{ uuid() }}"], WorkflowContext())
    assert str(uuid.UUID(first)) == first
    assert first != second


@pytest.mark.parametrize(
    "template",
    [
        "{{ keys([1]) }}",
        "{{ number('abc') }}",
        "{{ match(1, 'x') }}",
        "{{ match('(', 'x') }}",
        "{{ chunks([1], 0) }}",
        "{{ merge(1) }}",
    ],
)
def test_bad_arguments_are_expression_errors(template: str) -> None:
    with pytest.raises(ExpressionError):
        render(template, WorkflowContext())


def test_functions_win_in_call_position_over_same_named_variables() -> None:
    ctx = WorkflowContext(variables={"count": 7, "result": "published", "length": 1})
    assert render("{{ count }} {{ result }} {{ length }}", ctx) == "7 published 1"
    assert render("{{ count([1, 1], 1) }}", ctx) == 2
    assert render("{{ length([1, 2]) }}", ctx) == 2
    outcome = ctx.with_outcome("succeeded", {"succeeded": True, "data": {"x": 1}})
    assert render("{{ result().x }}", outcome) == 1


def test_jinja_filters_tests_and_ternaries_work() -> None:
    ctx = WorkflowContext(parameters={"xs": [3, 1, 2], "env": "prod", "name": "web"})
    assert render("{{ parameters.xs | sort | first }}", ctx) == 1
    assert render("{{ parameters.xs | map('string') | join(',') }}", ctx) == "3,1,2"
    assert render("{{ parameters.env | upper }}", ctx) == "PROD"
    assert render("{{ 'big' if parameters.xs | length > 2 else 'small' }}", ctx) == "big"
    assert render("{{ parameters.name is string }}", ctx) is True
    assert render("{{ parameters.xs | selectattr('real') | list | length }}", ctx) == 3
