"""reference 10.1, 10.4, 10.5, 10.6: rendering rules of the expression engine."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from attune_provider.expressions import (
    ExpressionError,
    ExpressionSyntaxError,
    UndefinedNameError,
    WorkflowContext,
    check_template,
    evaluate_condition,
    referenced_tasks,
    render,
)

WHERE = "task 'deploy' field 'input'"


@pytest.fixture
def ctx() -> WorkflowContext:
    return WorkflowContext(
        parameters={
            "name": "web",
            "count": 3,
            "ratio": 0.5,
            "flag": True,
            "tags": ["a", "b"],
            "nothing": None,
            "conf": {"port": 80, "hosts": ["h1", "h2"]},
        },
        variables={"status": "ok"},
        results={"fetch": {"succeeded": True, "exit_code": 0, "data": {"items": [1, 2], "n": 2}}},
    )


# ------------------------------------------------------------------ 10.1 type rule
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ parameters.count }}", 3),
        ("{{ parameters.ratio }}", 0.5),
        ("{{ parameters.flag }}", True),
        ("{{ parameters.tags }}", ["a", "b"]),
        ("{{ parameters.conf }}", {"port": 80, "hosts": ["h1", "h2"]}),
        ("{{ parameters.nothing }}", None),
        ("{{ parameters.count + 1 }}", 4),
        ("{{ [parameters.count, 'x'] }}", [3, "x"]),
        ("{{ {'a': parameters.count} }}", {"a": 3}),
        ("  {{ parameters.count }}\n", 3),  # surrounding whitespace (YAML block scalars) keeps the type
        ("{{ '123' }}", "123"),  # text stays text: no literal_eval as in jinja2.nativetypes
        ("{{ '[1, 2]' }}", "[1, 2]"),
    ],
)
def test_single_expression_keeps_native_type(ctx: WorkflowContext, template: str, expected: object) -> None:
    value = render(template, ctx)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("n={{ parameters.count }}", "n=3"),
        ("tags={{ parameters.tags }}", 'tags=["a","b"]'),
        ("conf={{ parameters.conf }}", 'conf={"hosts":["h1","h2"],"port":80}'),
        ("[{{ parameters.nothing }}]", "[]"),
        ("{{ parameters.flag }}/{{ not parameters.flag }}", "true/false"),
        ("{{ parameters.name }} {{ parameters.name }}", "web web"),
        ("{% if parameters.flag %}yes{% endif %}", "yes"),
        ("{% for t in parameters.tags %}{{ t }};{% endfor %}", "a;b;"),
        ("{# comment #}x", "x"),
        ("plain text", "plain text"),
    ],
)
def test_mixed_text_is_a_string(ctx: WorkflowContext, template: str, expected: str) -> None:
    assert render(template, ctx) == expected


def test_tojson_filter_gives_plain_text(ctx: WorkflowContext) -> None:
    value = render("{{ task.fetch.data | tojson }}", ctx)
    assert type(value) is str
    assert value == '{"items": [1, 2], "n": 2}'


def test_render_is_recursive_through_mappings_lists_and_tuples(ctx: WorkflowContext) -> None:
    value = MappingProxyType(
        {
            "url": "http://{{ parameters.name }}:{{ parameters.conf.port }}",
            "hosts": ("{{ parameters.conf.hosts[0] }}", "static", 7),
            "nested": {"deeper": ["{{ parameters.count }}", {"x": "{{ parameters.flag }}"}]},
            "n": 5,
            "none": None,
        }
    )
    assert render(value, ctx) == {
        "url": "http://web:80",
        "hosts": ["h1", "static", 7],
        "nested": {"deeper": [3, {"x": True}]},
        "n": 5,
        "none": None,
    }


def test_mapping_keys_are_not_rendered(ctx: WorkflowContext) -> None:
    assert render({"{{ parameters.name }}": 1}, ctx) == {"{{ parameters.name }}": 1}


def test_rendered_values_are_never_rendered_again() -> None:
    evil = "{{ keystore.token }}"
    ctx = WorkflowContext(keystore={"token": "secret"}).with_item({"name": evil, "list": [evil]}, 0)
    assert render("{{ item.name }}", ctx) == evil
    assert render("name: {{ item.name }}", ctx) == "name: " + evil
    assert render({"a": "{{ item }}"}, ctx) == {"a": {"name": evil, "list": [evil]}}
    assert render(["{{ item.list }}"], ctx) == [[evil]]


def test_non_string_values_pass_through(ctx: WorkflowContext) -> None:
    for value in (1, 2.5, True, None):
        assert render(value, ctx) is value


def test_plain_mapping_can_stand_in_for_a_context() -> None:
    assert render("{{ a.b }} {{ length(a) }}", {"a": {"b": 1}}) == "1 1"


# ------------------------------------------------------------------------ sandbox
@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ parameters.__class__ }}",
        "{{ parameters.tags.append(1) }}",
        "{{ parameters.conf.update({'a': 1}) }}",
        "{{ parameters.tags.pop() }}",
        "{{ length.__globals__ }}",
        "{{ parameters.tags['__class__'] }}",
        "{{ 2 ** 100000 }}",
        "{{ range(10 ** 9) }}",
    ],
)
def test_sandbox_blocks_unsafe_access(ctx: WorkflowContext, template: str) -> None:
    with pytest.raises(ExpressionError):
        render(template, ctx)


def test_sandbox_mutation_does_not_change_the_context(ctx: WorkflowContext) -> None:
    with pytest.raises(ExpressionError):
        render("{% set _ = parameters.tags.append('x') %}", ctx)
    assert ctx.parameters["tags"] == ["a", "b"]


# ---------------------------------------------------------------- 10.5 undefined
@pytest.mark.parametrize(
    "template",
    ["{{ nope }}", "{{ nope.x }}", "a {{ nope }} b", "{{ nope + 1 }}", "{% if nope %}x{% endif %}"],
)
def test_unknown_top_level_name_is_an_error_naming_it(ctx: WorkflowContext, template: str) -> None:
    with pytest.raises(UndefinedNameError) as info:
        render({"url": template}, ctx, where=WHERE)
    message = str(info.value)
    assert info.value.name == "nope"
    assert "'nope'" in message
    assert WHERE in message  # the task and the field
    assert template in message or repr(template) in message  # the expression
    assert "'url'" in message  # the key inside the field


def test_item_outside_with_items_explains_itself(ctx: WorkflowContext) -> None:
    with pytest.raises(UndefinedNameError, match="with_items"):
        render("{{ item.url }}", ctx)


@pytest.mark.parametrize(
    "template",
    [
        "{{ parameters.missing }}",
        "{{ parameters.conf.missing }}",
        "{{ parameters.conf['missing'] }}",
        "{{ parameters.conf.hosts[10] }}",
        "{{ parameters.missing.deeper }}",
        "{{ task.fetch.missing }}",
        "{{ task.never_ran }}",
        "{{ workflow.unset }}",
    ],
)
def test_missing_key_inside_existing_object_is_none(ctx: WorkflowContext, template: str) -> None:
    assert render(template, ctx) is None


def test_missing_key_renders_empty_in_text(ctx: WorkflowContext) -> None:
    assert render("[{{ parameters.missing }}]", ctx) == "[]"


def test_default_filter_and_defined_test_work_on_unknown_names(ctx: WorkflowContext) -> None:
    assert render("{{ nope | default('fallback') }}", ctx) == "fallback"
    assert render("{{ nope is defined }}", ctx) is False
    assert render("{{ parameters.name is defined }}", ctx) is True


def test_mapping_attribute_prefers_the_key_then_the_method() -> None:
    ctx = WorkflowContext(parameters={"items": [1], "other": {"a": 1}})
    assert render("{{ parameters.items }}", ctx) == [1]
    assert render("{{ parameters.other.items() | list }}", ctx) == [("a", 1)]


def test_runtime_errors_name_expression_and_place(ctx: WorkflowContext) -> None:
    with pytest.raises(ExpressionError) as info:
        render({"a": ["ok", "{{ 1 / 0 }}"]}, ctx, where=WHERE)
    message = str(info.value)
    assert "ZeroDivisionError" in message and WHERE in message and "a[1]" in message
    assert info.value.expression == "{{ 1 / 0 }}"


# ------------------------------------------------------------------- conditions
@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("{{ true }}", True),
        ("{{ false }}", False),
        ("{{ parameters.count > 2 }}", True),
        ("{{ 'true' }}", True),
        ("{{ 'Yes' }}", True),
        ("{{ '1' }}", True),
        ("{{ 'false' }}", False),
        ("{{ 'no' }}", False),
        ("{{ '0' }}", False),
        ("{{ '' }}", False),
        ("{{ None }}", False),
        ("{{ parameters.missing }}", False),
        ("true", True),
        ("no", False),
        ("{{ 0 }}", False),
        ("{{ 2 }}", True),
        ("{{ [] }}", True),  # attune reads the rendered text "[]": non-empty text is true
        ("{{ [1] }}", True),
        ("{{ 'maybe' }}", True),  # any other non-empty text is true (attune)
        (True, True),
        (False, False),
        (None, False),
    ],
)
def test_condition_truth(ctx: WorkflowContext, when: object, expected: bool) -> None:
    assert evaluate_condition(when, ctx) is expected


@pytest.mark.parametrize("when", ["{{ nope }}", "{{ 1 / 0 }}", "{{ x + }}", "nope == 1", "1 / 0"])
def test_condition_errors_raise_expression_error(ctx: WorkflowContext, when: str) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate_condition(when, ctx, where="task 'a' next[0].when")
    assert "task 'a' next[0].when" in str(info.value)


def test_conditions_use_the_outcome(ctx: WorkflowContext) -> None:
    failed = ctx.with_outcome("failed", {"succeeded": False, "error": "boom", "data": None})
    assert evaluate_condition("{{ failed() }}", failed) is True
    assert evaluate_condition("{{ succeeded() }}", failed) is False
    assert evaluate_condition("{{ failed() and result().error == 'boom' }}", failed) is True


# ------------------------------------------------------------- 10.6 load-time
def test_check_template_accepts_valid_templates() -> None:
    check_template("{{ a.b | default(1) }} {% for x in y %}{{ x }}{% endfor %}")
    check_template("no template at all")


def test_check_template_reports_line_of_syntax_error() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        check_template("line one\nline two {{ a + }}\n")
    assert info.value.lineno == 2
    assert "line 2" in str(info.value)
    assert isinstance(info.value, ExpressionError)


def test_syntax_error_at_render_names_the_place(ctx: WorkflowContext) -> None:
    with pytest.raises(ExpressionSyntaxError, match="task 'deploy' field 'input'"):
        render({"x": "{% if %}"}, ctx, where=WHERE)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ task.a.x }}", {"a"}),
        ("{{ tasks.b }}", {"b"}),
        ("{{ task['c'].y + task[\"d\"] }}", {"c", "d"}),
        ("{% if task.e.ok %}{{ task.f }}{% endif %}", {"e", "f"}),
        ("{{ succeeded() and result().x }}", set()),
        ("{{ workflow.task }}", set()),
        ("{{ task.g.items | length }} {{ task.h.x if true else 0 }}", {"g", "h"}),
        ("{{ task.broken + }}", {"broken"}),  # syntax error: regex fallback still finds names
    ],
)
def test_referenced_tasks(template: str, expected: set[str]) -> None:
    assert referenced_tasks(template) == expected


def test_corpus_templates_parse(corpus) -> None:  # type: ignore[no-untyped-def]
    import re

    templates = set()
    for path in corpus.rglob("*.yaml"):
        templates.update(re.findall(r"\{\{.*?\}\}", path.read_text()))
    assert len(templates) > 20
    for template in templates:
        check_template(template)


def test_compiled_templates_are_cached_by_text(ctx: WorkflowContext) -> None:
    from attune_provider.expressions import engine

    text = "cache probe {{ parameters.count * 2 }}"
    render(text, ctx)
    hits = engine._compile.cache_info().hits
    for _ in range(3):
        assert render(text, ctx) == "cache probe 6"
    assert engine._compile.cache_info().hits == hits + 3
    assert engine._compile.cache_info().maxsize == engine.TEMPLATE_CACHE_SIZE


@pytest.mark.parametrize(
    ("template", "line"),
    [
        ("x\n{{ value | lenght }}", 2),
        ("{{ value is nosuchtest }}", 1),
        ("{% for x in y %}{{ x | nope }}{% endfor %}", 1),
    ],
)
def test_check_template_reports_unknown_filters_and_tests(template: str, line: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        check_template(template)
    assert info.value.lineno == line
    assert "No filter named" in str(info.value) or "No test named" in str(info.value)


def test_has_template() -> None:
    from attune_provider.expressions import has_template

    assert has_template("a {{ b }}") and has_template("{% if x %}{% endif %}") and has_template("{# c #}")
    assert not has_template("plain { braces }") and not has_template(5) and not has_template(None)
