"""Issue 12 item 7 (template side): every template bound is a located error naming its setting,
and the setting really moves the bound."""

from __future__ import annotations

import pytest

from attune_provider.expressions import TemplateLimitError, WorkflowContext, render
from attune_provider.expressions.limits import template_limits

WHERE = "task 'deploy' field 'input'"


@pytest.fixture
def limits_env(monkeypatch: pytest.MonkeyPatch):
    """Set ``[attune] template_*`` through the environment; settings are re-read after."""

    def configure(**options: object) -> None:
        for option, value in options.items():
            monkeypatch.setenv(f"AIRFLOW__ATTUNE__{option.upper()}", str(value))
        template_limits.cache_clear()

    yield configure
    monkeypatch.undo()
    template_limits.cache_clear()


@pytest.mark.parametrize(
    ("template", "setting"),
    [
        ("{{ 'a' * 10**9 }}", "template_max_length"),
        ("{{ 'a'.ljust(10**9) }}", "template_max_length"),
        ("{{ '{:>999999999}'.format(1) }}", "template_max_length"),
        ("{{ '%999999999s' | format('a') }}", "template_max_length"),
        ("x{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
         "template_max_loop_iterations"),
        ("{{ 2 ** 5000 }}", "template_max_exponent"),
        ("{{ (10 ** 1000) ** 1000 }}", "template_max_integer_bits"),
        ("{{ match('(a|aa)+$', 'a' * 60 + 'b') }}", "template_regex_timeout"),
    ],
)
def test_limit_errors_are_located_and_name_the_setting(limits_env, template: str, setting: str) -> None:
    limits_env(template_regex_timeout=0.2)
    with pytest.raises(TemplateLimitError) as info:
        render(template, WorkflowContext(), where=WHERE)
    error = info.value
    assert error.setting == setting
    assert WHERE in str(error) and template in str(error)
    assert f"[attune] {setting}" in str(error) and f"AIRFLOW__ATTUNE__{setting.upper()}" in str(error)


def test_max_length_setting_moves_the_bound(limits_env) -> None:
    limits_env(template_max_length=10)
    assert render("{{ 'a' * 10 }}", {}) == "a" * 10
    for template in ("{{ 'a' * 11 }}", "{{ 'abc'.center(11) }}", "{{ 'a' ~ 'b' * 10 }}", "{{ 'x' }}{{ 'y' * 10 }}"):
        with pytest.raises(TemplateLimitError, match="template_max_length"):
            render(template, {})


def test_loop_budget_is_shared_by_nested_loops_and_reset_per_evaluation(limits_env) -> None:
    limits_env(template_max_loop_iterations=12)
    nested = "{% for i in range(3) %}{% for j in range(3) %}.{% endfor %}{% endfor %}"  # 3 + 9 = 12
    assert render(nested, {}) == "." * 9
    assert render(nested, {}) == "." * 9  # a fresh budget each time
    with pytest.raises(TemplateLimitError, match="template_max_loop_iterations"):
        render("{% for i in range(4) %}{% for j in range(3) %}.{% endfor %}{% endfor %}", {})


def test_exponent_setting(limits_env) -> None:
    limits_env(template_max_exponent=3)
    assert render("{{ 2 ** 3 }}", {}) == 8
    with pytest.raises(TemplateLimitError, match="template_max_exponent"):
        render("{{ 2 ** 4 }}", {})


def test_integer_size_setting(limits_env) -> None:
    limits_env(template_max_integer_bits=200)
    assert render("{{ 2 ** 100 * 3 }}", {}) == 3 * 2**100
    with pytest.raises(TemplateLimitError, match="template_max_integer_bits"):
        render("{{ 2 ** 100 * 2 ** 100 }}", {})  # 101 + 101 bits
    with pytest.raises(TemplateLimitError, match="template_max_integer_bits"):
        render("{{ 2 ** 300 }}", {})  # a power of about 2 * 300 bits


def test_regex_timeout_setting(limits_env) -> None:
    limits_env(template_regex_timeout=0.05)
    assert render("{{ match('^a+$', 'aaa') }}", {}) is True
    with pytest.raises(TemplateLimitError, match="template_regex_timeout"):
        render("{{ match('(a|aa)+$', 'a' * 60 + 'b') }}", {})


def test_invalid_setting_is_a_clear_error(limits_env) -> None:
    limits_env(template_max_length="lots")
    with pytest.raises(ValueError, match=r"\[attune\] template_max_length must be a number"):
        template_limits()


def test_normal_templates_are_unaffected() -> None:
    ctx = WorkflowContext(parameters={"names": ["a", "b"]})
    assert render("{% for n in parameters.names %}{{ n | upper }},{% endfor %}", ctx) == "A,B,"
    assert render("{{ 'x' * 3 }}{{ '%05d' % 42 }}{{ '{:>4}'.format(7) }}", ctx) == "xxx00042   7"
    assert render("{{ 2 ** 10 }}", ctx) == 1024
    assert render("{{ (parameters.names | join('-')) ~ '!' }}", ctx) == "a-b!"
    assert render("{{ [[1, 2], [3]] | sum(start=[]) }}", ctx) == [1, 2, 3]
    assert render("{{ [1, 2, 3] | sum }}", ctx) == 6


def test_shell_quote_filter_and_function() -> None:
    """Issue 12 item 5: shlex.quote semantics, as a function and as a filter (alias quote)."""
    ctx = WorkflowContext(parameters={"v": "x; touch y", "n": 5, "e": ""})
    assert render("echo {{ parameters.v | shell_quote }}", ctx) == "echo 'x; touch y'"
    assert render("echo {{ quote(parameters.v) }}", ctx) == "echo 'x; touch y'"
    assert render("{{ parameters.n | quote }}", ctx) == "5"
    assert render("{{ parameters.e | quote }}", ctx) == "''"
    assert render("{{ \"it's\" | quote }}", ctx) == "'it'\"'\"'s'"
