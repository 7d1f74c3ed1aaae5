"""Transitions (reference 4): next, legacy normalisation, publish, do targets."""

from __future__ import annotations

from attune_provider.spec import Transition

TAIL = """
  - name: b
  - name: c
  - name: d
  - name: e
"""


def transitions(load, body: str) -> tuple[Transition, ...]:
    return load("tasks:\n  - name: a\n" + body + TAIL).task("a").next


def shape(items: tuple[Transition, ...]) -> list[tuple]:
    return [(t.when, t.publish, t.do) for t in items]


def test_next_keeps_every_transition_in_order(load):
    result = transitions(
        load,
        """
    next:
      - when: "{{ succeeded() }}"
        publish:
          - x: 1
          - y: "{{ result() }}"
        do: [b, c]
      - when: "{{ failed() }}"
        do:
          - d
      - do: [e]
""",
    )
    assert shape(result) == [
        ("{{ succeeded() }}", (("x", 1), ("y", "{{ result() }}")), ("b", "c")),
        ("{{ failed() }}", (), ("d",)),
        (None, (), ("e",)),
    ]
    assert [t.location.line for t in result] == [5, 10, 13]


def test_transition_without_do_is_kept(load):
    (only,) = transitions(load, '    next:\n      - when: "{{ succeeded() }}"\n        publish: [done]\n')
    assert only.do == () and only.publish == (("done", "{{ result() }}"),)


def test_legacy_fields_in_spec_order(load):
    result = transitions(
        load,
        """
    decision:
      - when: "{{ result().ok }}"
        next: e
    on_timeout: d
    on_complete: [c]
    on_failure: b
    on_success: b
""",
    )
    assert shape(result) == [
        ("{{ succeeded() }}", (), ("b",)),
        ("{{ failed() }}", (), ("b",)),
        (None, (), ("c",)),
        ("{{ timed_out() }}", (), ("d",)),
        ("{{ result().ok }}", (), ("e",)),
    ]


def test_legacy_publish_attaches_to_first_succeeded_transition(load):
    result = transitions(
        load,
        """
    on_failure: c
    decision:
      - when: "{{ succeeded() and result().ok }}"
        next: d
    on_success: b
    publish:
      - done: true
      - raw
""",
    )
    assert shape(result)[0] == ("{{ succeeded() }}", (("done", True), ("raw", "{{ result() }}")), ("b",))
    assert all(t.publish == () for t in result[1:])


def test_legacy_publish_mentioning_succeeded_in_a_decision(load):
    result = transitions(
        load,
        """
    on_failure: c
    decision:
      - when: "{{ succeeded() and result().ok }}"
        next: d
    publish:
      - done: true
""",
    )
    assert shape(result)[1] == ("{{ succeeded() and result().ok }}", (("done", True),), ("d",))
    assert shape(result)[0] == ("{{ failed() }}", (), ("c",))


def test_legacy_publish_with_only_on_failure_attaches_to_the_first_transition(load):
    """attune crates/common/src/workflow/parser.rs normalize_transitions: "Attach to the first
    transition" when transitions exist but none contains `succeeded()` (SPEC 4.2, corrected)."""
    result = transitions(load, "    on_failure: b\n    publish:\n      - done: true\n")
    assert shape(result) == [("{{ failed() }}", (("done", True),), ("b",))]
    # attune matches the exact text `succeeded()`: `succeeded( )` is not a match either
    spaced = transitions(
        load,
        '    on_timeout: b\n    decision:\n      - when: "{{ succeeded( ) }}"\n        next: c\n'
        "    publish:\n      - done: true\n",
    )
    assert shape(spaced) == [("{{ timed_out() }}", (("done", True),), ("b",)), ("{{ succeeded( ) }}", (), ("c",))]


def test_legacy_publish_without_any_transition_becomes_a_succeeded_transition(load):
    result = transitions(load, "    publish:\n      - done: true\n")
    assert shape(result) == [("{{ succeeded() }}", (("done", True),), ())]


def test_next_wins_over_legacy_with_warning(load):
    wf = load("tasks:\n  - name: a\n    on_success: b\n    publish: [x]\n    next:\n      - do: [c]\n" + TAIL)
    assert shape(wf.task("a").next) == [(None, (), ("c",))]
    (warning,) = wf.warnings
    assert warning.code == "legacy-ignored"
    assert "legacy field(s) on_success, publish are ignored" in warning.message
    assert warning.location.line == 3


def test_scalar_do_is_accepted_with_warning(load):
    wf = load("tasks:\n  - name: a\n    next:\n      - do: b\n" + TAIL)
    assert wf.task("a").next[0].do == ("b",)
    assert [w.code for w in wf.warnings] == ["scalar-do"]
    assert wf.warnings[0].location.line == 4


def test_chart_meta_label_becomes_transition_label(load):
    result = transitions(
        load, "    next:\n      - do: [b]\n        __chart_meta__: {label: main path, color: red}\n"
    )
    assert result[0].label == "main path"


def test_unknown_transition_key_warns(load):
    wf = load("tasks:\n  - name: a\n    next:\n      - do: [b]\n        publsh: [x]\n" + TAIL)
    assert "unknown transition key 'publsh' is ignored; did you mean 'publish'?" in wf.warnings[0].message
    assert wf.warnings[0].location.line == 5


def test_publish_must_be_a_list_of_single_key_maps(load_errors):
    error = load_errors("tasks:\n  - name: a\n    next:\n      - publish: {x: 1}\n")
    assert "'publish' must be a list of single-key mappings, got mapping" in str(error)
    error = load_errors("tasks:\n  - name: a\n    next:\n      - publish:\n          - {x: 1, y: 2}\n")
    (spec_error,) = error.errors
    assert spec_error.location.line == 5
    assert "publish item #1 must be a single-key mapping, got mapping with keys x, y" in spec_error.message


def test_do_must_be_list_of_names(load_errors):
    error = load_errors("tasks:\n  - name: a\n    next:\n      - do: {b: 1}\n")
    assert "'do' must be a list of task names, got mapping" in str(error)
    error = load_errors("tasks:\n  - name: a\n    next:\n      - do: [3]\n")
    assert "a 'do' target must be a task name, got 3" in str(error)


def test_next_must_be_a_list(load_errors):
    assert "'next' must be a list of transitions" in str(load_errors("tasks:\n  - name: a\n    next: b\n"))


def test_unknown_do_target_is_an_error_at_the_item(load_errors):
    error = load_errors("tasks:\n  - name: deploy\n    next:\n      - do:\n          - deplyo\n")
    (spec_error,) = error.errors
    assert (spec_error.location.line, spec_error.location.column) == (5, 13)
    assert spec_error.message == "task 'deploy' transitions to unknown task 'deplyo'"
    assert spec_error.hint == "did you mean 'deploy'?"


def test_unknown_legacy_target_is_an_error(load_errors):
    error = load_errors("tasks:\n  - name: a\n    on_failure: nowhere\n")
    assert "task 'a' transitions to unknown task 'nowhere'" in str(error)
    assert error.errors[0].location.line == 3


def test_when_must_be_text(load_errors):
    assert "'when' must be a template string, got boolean" in str(
        load_errors("tasks:\n  - name: a\n    next:\n      - when: true\n        do: [a]\n")
    )


def test_bare_expression_when_does_not_warn(load):
    """attune's preferred form is a bare expression (issue 10 item 2): no warning any more."""
    wf = load(
        "tasks:\n  - name: a\n    next:\n      - when: succeeded()\n        do: [b]\n      - when: 'true'\n"
        + TAIL
    )
    assert wf.warnings == ()


def test_bare_expression_when_is_checked_for_unknown_tasks(load):
    wf = load("tasks:\n  - name: a\n    next:\n      - when: task.nope.ok == 1\n        do: [b]\n" + TAIL)
    (warning,) = wf.warnings
    assert warning.code == "unknown-task-reference" and warning.location.line == 4


def test_when_plain_text_warns_that_it_always_fires(load):
    wf = load("tasks:\n  - name: a\n    next:\n      - when: deploy it now\n        do: [b]\n" + TAIL)
    (warning,) = wf.warnings
    assert warning.code == "when-plain-text" and warning.location.line == 4
    assert "always fires" in warning.message
