"""Issue 10 item 10 and issue 12 item 5: broken action metadata and risky templates are found at
load time, each located (file:line:column), as errors, or as warnings where attune accepts them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from attune_provider.spec import load_pack, load_path
from attune_provider.spec.templates import unquoted_expressions

ACTION = """
ref: p.act
runner_type: python
entry_point: act.py
parameters:
  count: {type: integer, default: 1}
  name: {type: string, required: true}
"""

WORKFLOW_CALLING = """
ref: p.flow
version: "1.0.0"
tasks:
  - name: call
    action: p.act
    input:
{input}
"""


def make_pack(tmp_path: Path, action: str = ACTION, workflow: str | None = None, script: bool = True) -> Path:
    pack = tmp_path / "p"
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text('ref: p\nversion: "1.0.0"\n')
    (pack / "actions" / "act.yaml").write_text(textwrap.dedent(action).lstrip())
    if script:
        (pack / "actions" / "act.py").write_text("print('hi')\n")
    if workflow is not None:
        (pack / "workflows").mkdir()
        (pack / "workflows" / "flow.yaml").write_text(textwrap.dedent(workflow).lstrip())
    return pack


def findings(pack: Path) -> tuple[list[str], list[str]]:
    result = load_path(pack)
    return [str(e) for e in result.errors], [str(w) for w in result.warnings]


def one_error(pack: Path, needle: str) -> str:
    errors, _ = findings(pack)
    matching = [e for e in errors if needle in e]
    assert matching, errors
    return matching[0]


def test_valid_action_has_no_findings(tmp_path):
    errors, warnings = findings(make_pack(tmp_path))
    assert errors == [] and warnings == []


def test_missing_runner_type_is_a_located_warning(tmp_path):
    pack = make_pack(tmp_path, ACTION.replace("runner_type: python\n", ""))
    errors, warnings = findings(pack)
    assert errors == []
    assert any("act.yaml:1:1" in w and "runner_type" in w and "shell" in w for w in warnings), warnings


def test_unknown_runner_type_is_a_located_error(tmp_path):
    pack = make_pack(tmp_path, ACTION.replace("runner_type: python", "runner_type: cobol"))
    error = one_error(pack, "cobol")
    assert "act.yaml:2:14" in error and "python" in error


@pytest.mark.parametrize(
    ("entry", "needle"),
    [("missing.py", "not found"), ("/etc/passwd", "absolute"), ("../../secret.py", "'..'")],
)
def test_bad_entry_points_are_located_errors(tmp_path, entry, needle):
    pack = make_pack(tmp_path, ACTION.replace("entry_point: act.py", f"entry_point: {entry}"))
    error = one_error(pack, needle)
    assert "act.yaml:3:14" in error and "entry_point" in error


def test_missing_entry_point_is_an_error(tmp_path):
    pack = make_pack(tmp_path, ACTION.replace("entry_point: act.py\n", ""))
    assert "act.yaml:1:1" in one_error(pack, "entry_point")


def test_parameter_default_of_the_wrong_type_is_an_error(tmp_path):
    pack = make_pack(tmp_path, ACTION.replace("default: 1", "default: many"))
    error = one_error(pack, "default")
    assert "act.yaml:5:" in error and "integer" in error and "'many'" in error


def test_literal_input_of_the_wrong_type_is_an_error(tmp_path):
    workflow = WORKFLOW_CALLING.format(input="      count: lots\n      name: x")
    error = one_error(make_pack(tmp_path, workflow=workflow), "count")
    assert "flow.yaml:7:14" in error and "integer" in error


def test_missing_required_input_is_an_error(tmp_path):
    workflow = WORKFLOW_CALLING.format(input="      count: 2")
    error = one_error(make_pack(tmp_path, workflow=workflow), "name")
    assert "flow.yaml:6:5" in error and "required" in error


def test_templated_and_well_typed_inputs_pass(tmp_path):
    workflow = WORKFLOW_CALLING.format(input="      count: '{{ 1 + 1 }}'\n      name: x")
    assert findings(make_pack(tmp_path, workflow=workflow)) == ([], [])


@pytest.mark.parametrize(
    "statement", ["{% import 'x' as y %}", "{% include 'x' %}", "{% extends 'x' %}", "{% from 'x' import y %}"]
)
def test_template_loading_statements_are_errors(tmp_path, statement):
    workflow = WORKFLOW_CALLING.format(input=f'      count: 1\n      name: "{statement}"')
    error = one_error(make_pack(tmp_path, workflow=workflow), "not available")
    assert "flow.yaml:8:" in error


def test_unknown_function_is_a_located_error(tmp_path):
    workflow = WORKFLOW_CALLING.format(input='      count: 1\n      name: "{{ lenght(parameters) }}"')
    error = one_error(make_pack(tmp_path, workflow=workflow), "lenght")
    assert "flow.yaml:8:" in error and "unknown function" in error


def test_known_functions_and_macros_are_not_flagged(tmp_path):
    text = "{% macro m() %}x{% endmacro %}{{ m() }}{{ length(range(3)) }}{{ succeeded() }}"
    workflow = WORKFLOW_CALLING.format(input=f'      count: 1\n      name: "{text}"')
    assert findings(make_pack(tmp_path, workflow=workflow)) == ([], [])


def test_batch_size_without_with_items_is_a_warning(tmp_path):
    workflow = WORKFLOW_CALLING.format(input="      count: 1\n      name: x") + "    batch_size: 5\n"
    errors, warnings = findings(make_pack(tmp_path, workflow=workflow))
    assert errors == []
    assert any("flow.yaml:9:" in w and "batch_size" in w and "with_items" in w for w in warnings), warnings


@pytest.mark.parametrize("action", ["core.local", "core.shell"])
def test_unquoted_template_in_cmd_is_a_warning(tmp_path, action):
    workflow = f"""
    ref: p.flow
    version: "1.0.0"
    tasks:
      - name: run
        action: {action}
        input:
          cmd: "echo {{{{ parameters.v }}}}"
      - name: safe
        action: {action}
        input:
          cmd: 'echo "$V"'
          env:
            V: "{{{{ parameters.v }}}}"
    """
    errors, warnings = findings(make_pack(tmp_path, workflow=workflow))
    assert errors == []
    unquoted = [w for w in warnings if "shell_quote" in w]
    assert len(unquoted) == 1 and "flow.yaml:7:" in unquoted[0], warnings


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("echo {{ parameters.v }}", (1,)),
        ("echo {{ parameters.v | shell_quote }} {{ parameters.w | quote }}", ()),
        ("echo {{ parameters.v | shell_quote | upper }}", (1,)),
        ("{% for x in items %}\nrm {{ x }}\n{% endfor %}", (2,)),
        ("echo plain text", ()),
    ],
)
def test_unquoted_expressions_finds_each_unquoted_output(text, lines):
    assert unquoted_expressions(text) == lines


def test_format_names_are_case_insensitive_as_in_attunes_loader(tmp_path):
    """attune's pack loader (crates/common/src/pack_registry/loader.rs) lowercases the format names."""
    action = ACTION + "parameter_format: JSON\noutput_format: Json\nparameter_delivery: STDIN\n"
    pack = make_pack(tmp_path, action)
    errors, _ = findings(pack)
    assert errors == []
    spec = load_pack(pack).pack.actions["p.act"]
    assert (spec.parameter_format, spec.output_format, spec.parameter_delivery) == ("json", "json", "stdin")
