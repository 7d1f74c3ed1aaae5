"""Workflow-level fields (reference 1.3, 1.5, 1.6, 2)."""

from __future__ import annotations

import pytest

MINIMAL_TASKS = """
tasks:
  - name: a
    action: core.echo
"""


def test_standalone_workflow_fields(load):
    wf = load(
        """
        ref: mypack.deploy
        label: Deploy
        description: Deploys it
        version: "2.0"
        tags: [deploy, prod]
        cancellation_policy: cancel_running
        vars:
          attempts: 0
        tasks:
          - name: a
            action: core.echo
        output_map:
          done: "{{ workflow.attempts }}"
        """
    )
    assert (wf.ref, wf.label, wf.description, wf.version) == ("mypack.deploy", "Deploy", "Deploys it", "2.0")
    assert wf.tags == ("deploy", "prod")
    assert wf.cancellation_policy == "cancel_running"
    assert dict(wf.vars) == {"attempts": 0}
    assert dict(wf.output_map) == {"done": "{{ workflow.attempts }}"}
    assert wf.task_names == ("a",)
    assert wf.source_file.name == "wf.yaml"
    assert wf.action_file is None and wf.pack is None
    assert len(wf.content_hash) == 64


@pytest.mark.parametrize(
    ("name", "ref"),
    [("deploy_app.workflow.yaml", "deploy_app"), ("nightly.yml", "nightly"), ("x.y.yaml", "x.y")],
)
def test_ref_defaults_to_file_stem(load, name, ref):
    assert load(MINIMAL_TASKS, name).ref == ref


def test_ref_must_be_usable_as_dag_id(load_errors):
    error = load_errors('ref: "my pack/deploy"\n' + MINIMAL_TASKS)
    assert "cannot be an Airflow DAG id" in str(error)


def test_content_hash_changes_with_content(write):
    from attune_provider.spec import load_workflow_file

    first = load_workflow_file(write(MINIMAL_TASKS, "a.yaml")).content_hash
    same = load_workflow_file(write(MINIMAL_TASKS, "b.yaml")).content_hash
    other = load_workflow_file(write(MINIMAL_TASKS + "    timeout: 5\n", "c.yaml")).content_hash
    assert first == same != other


def test_unknown_workflow_key_is_a_warning_with_location(load):
    wf = load("ref: x\noutput_mapp: {}\n" + MINIMAL_TASKS)
    (warning,) = wf.warnings
    assert (warning.location.line, warning.location.column) == (2, 1)
    assert warning.code == "unknown-key"
    assert "unknown workflow key 'output_mapp' is ignored; did you mean 'output_map'?" in warning.message


def test_version_float_is_error_with_quote_hint(load_errors):
    error = load_errors("version: 1.0\n" + MINIMAL_TASKS)
    (spec_error,) = error.errors
    assert spec_error.location.line == 1
    assert "'version' must be a string, got number 1.0" in spec_error.message
    assert 'version: "1.0"' in spec_error.hint


def test_version_three_part_is_already_a_string(load):
    assert load("version: 1.0.0\n" + MINIMAL_TASKS).version == "1.0.0"


def test_vars_must_be_mapping(load_errors):
    error = load_errors("vars: 3\n" + MINIMAL_TASKS)
    assert "'vars' must be a mapping" in str(error)


def test_vars_list_of_single_key_maps_is_an_explicit_leniency(load):
    wf = load("vars:\n  - a: 1\n  - b: null\n" + MINIMAL_TASKS)
    assert dict(wf.vars) == {"a": 1, "b": None}
    assert [w.code for w in wf.warnings] == ["vars-list"]
    assert wf.warnings[0].location.line == 2


def test_vars_list_with_other_items_is_an_error(load_errors):
    error = load_errors("vars:\n  - a: 1\n  - just_text\n  - {b: 1, c: 2}\n" + MINIMAL_TASKS)
    assert [e.location.line for e in error.errors] == [3, 4]
    assert "'vars' item #2 must be a single-key mapping" in error.errors[0].message


def test_tags_must_be_list_of_text(load_errors):
    assert "'tags' must be a list" in str(load_errors("tags: deploy\n" + MINIMAL_TASKS))


def test_unknown_cancellation_policy(load_errors):
    assert "unknown cancellation_policy 'stop'" in str(
        load_errors("cancellation_policy: stop\n" + MINIMAL_TASKS)
    )


def test_output_map_must_be_mapping(load_errors):
    assert "'output_map' must be a mapping" in str(load_errors(MINIMAL_TASKS + "output_map: [a]\n"))


def test_file_that_is_not_a_mapping(load_errors):
    assert "but this file is a list" in str(load_errors("- a\n- b\n"))
    assert "but this file is empty" in str(load_errors("# nothing\n"))


def test_errors_are_collected_not_only_the_first(load_errors):
    error = load_errors(
        """
        version: 1.0
        vars: [1]
        tasks:
          - name: a
            batch_size: 0
            do_not_care: 1
        """
    )
    assert len(error.errors) == 3
    assert [e.location.line for e in error.errors] == [1, 2, 5]
    assert any("do_not_care" in w.message for w in error.warnings)


def test_variable_and_output_names_must_be_text(load_errors):
    error = load_errors("vars:\n  1: x\n" + MINIMAL_TASKS + "output_map:\n  2: y\n")
    assert [(e.location.line, e.message) for e in error.errors] == [
        (2, "variable name 1 in 'vars' must be text"),
        (8, "output_map key 2 must be text"),
    ]
    error = load_errors("vars:\n  - 1: x\n" + MINIMAL_TASKS)
    assert "variable name 1 in 'vars' must be text" in str(error)


def test_output_map_values_must_be_text_as_attunes_parser_reads_them(load_errors):
    """attune: `output_map: Option<HashMap<String, String>>` (crates/common/src/workflow/parser.rs)."""
    error = load_errors("output_map:\n  ok: done\n  count: 3\n  items: [a]\ntasks:\n  - name: a\n")
    assert [(e.code, e.location.line) for e in error.errors] == [("attune-rejects", 3), ("attune-rejects", 4)]
    assert "quote it: `count: '3'`" in (error.errors[0].hint or "")
