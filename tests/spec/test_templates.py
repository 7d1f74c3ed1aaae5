"""Templates are parsed at load time (reference 10.6)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("snippet", "line"),
    [
        ('    input:\n      msg: "{{ parameters.x }"\n', 4),
        ('    with_items: "{{ [1, 2 }}"\n', 3),
        ('    timeout: "{{ 1 + }}"\n', 3),
        ('    wait_for:\n      inquiry: "{{ task.a.id ) }}"\n', 4),
        ('    next:\n      - when: "{{ succeeded( }}"\n        do: [a]\n', 4),
        ('    next:\n      - publish:\n          - x: "{% if %}"\n', 5),
        ('    on_success: a\n    publish:\n      - x: "{{ a b }}"\n', 5),
    ],
)
def test_template_syntax_error_names_file_and_line(write, snippet, line):
    from attune_provider.spec import LoadError, load_workflow_file

    path = write("tasks:\n  - name: a\n" + snippet)
    with pytest.raises(LoadError) as info:
        load_workflow_file(path)
    (error,) = info.value.errors
    assert error.location.file == str(path)
    assert error.location.line == line
    assert "invalid template in" in error.message
    assert "template syntax error" in error.message


def test_output_map_template_error(load_errors):
    error = load_errors('tasks:\n  - name: a\noutput_map:\n  r: "{{ nope( }}"\n')
    (spec_error,) = error.errors
    assert spec_error.location.line == 4
    assert "invalid template in 'output_map.r'" in spec_error.message


def test_error_line_inside_block_template_is_named(load_errors):
    error = load_errors(
        "tasks:\n  - name: a\n    input:\n      script: |\n        line one\n        {{ oops( }}\n"
    )
    assert "at line 2" in error.errors[0].message


def test_valid_templates_and_plain_text_load(load):
    wf = load(
        """
        tasks:
          - name: a
            input:
              plain: "no template, just {braces}"
              nested: {list: ["{{ item }}", "{% if x %}y{% endif %}"]}
              filters: "{{ parameters.xs | map('upper') | list }}"
              ternary: "{{ 'a' if parameters.x else 'b' }}"
        """
    )
    assert wf.task("a").input["plain"] == "no template, just {braces}"


def test_reference_to_unknown_task_is_a_warning(load):
    wf = load(
        """
        tasks:
          - name: fetch
            action: a.b
          - name: use
            input:
              good: "{{ task.fetch.result }}"
              alias: "{{ tasks['fetch'].result }}"
              bad: "{{ task.fetchh.result }}"
              bad_item: "{{ tasks['nope'] }}"
        output_map:
          r: "{{ task.gone.result }}"
        """
    )
    messages = sorted((w.location.line, w.message) for w in wf.warnings)
    assert [line for line, _ in messages] == [8, 9, 11]
    assert (
        "'tasks[1].input.bad' references task 'fetchh', which is not a task of this workflow"
        in messages[0][1]
    )
    assert "'nope'" in messages[1][1]
    assert "'gone'" in messages[2][1]
    assert {w.code for w in wf.warnings} == {"unknown-task-reference"}


def test_vars_are_not_templates(load):
    wf = load('vars:\n  raw: "{{ not parsed }"\ntasks:\n  - name: a\n')
    assert wf.vars["raw"] == "{{ not parsed }"


SAMPLES = [
    "{{ parameters.x }}",
    "Deploying {{ parameters.service }} to {{ item }}",
    "{{ succeeded() }}",
    "{{ result().summary.count }}",
    "{{ task.fetch.result }}",
    "{{ tasks.a.b }} and {{ task.c }}",
    "{{ task }}",
    "{{ a . b ( ) }}",
    "{{ x | upper }}",
    "{{ not x }}",
    "{{ x.if }}",
    "{{ task().x }}",
    "{{- x -}}",
    "{{ tasks['a'].b }}",
    "a }} b {{ c }}",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_fast_path_agrees_with_jinja(text):
    """The regex fast path only accepts what Jinja accepts, with the same task references."""
    from attune_provider.expressions.engine import check_template, referenced_tasks
    from attune_provider.spec.templates import _simple_facts

    check_template(text)  # every sample is valid Jinja
    simple = _simple_facts(text)
    if simple is not None:
        assert simple == referenced_tasks(text)
