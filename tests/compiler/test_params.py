"""attune's flat parameter schema -> DAG params the trigger form renders and validates (docs/ui.md).

The form (Airflow 3.3 ``FieldSelector``) picks its widget from the schema: an ``array`` whose
``items.type`` is missing or ``string`` becomes "one string per line"; any other items type gets
the JSON editor; ``object`` gets the JSON editor. These tests check the schema the compiler
emits and validate real values against real ``airflow.sdk.Param`` objects.
"""

from __future__ import annotations

import copy
from pathlib import Path
from textwrap import dedent

import pytest

from attune_provider.compiler.params import build_params, param_schema
from attune_provider.spec import load_workflow_file

WORKFLOW = """
parameters:
  servers:
    type: array
    description: "Server records ({id, name})"
  records:
    type: array
    items:
      type: object
      properties:
        id: {type: integer, required: true}
        name: {type: string, description: host name}
  options:
    type: object
    properties:
      retries: {type: integer, minimum: 0, required: true}
      mode: {type: string, enum: [fast, safe]}
  tags:
    type: array
    items: {type: string}
  regions:
    type: array
    items: {type: string, enum: [eu, us, ap]}
  token:
    type: string
    secret: true
    default: hunter2-default
    description: API token
  env:
    type: string
    enum: [dev, prod]
    default: dev
tasks:
  - name: a
    action: core.echo
"""


@pytest.fixture
def params(tmp_path: Path):
    path = tmp_path / "wf.yaml"
    path.write_text(dedent(WORKFLOW).lstrip())
    spec = load_workflow_file(path)
    return spec.parameters, build_params(spec.parameters)


def _validate(built, conf):
    from airflow.sdk.definitions.param import ParamsDict

    merged = ParamsDict(copy.deepcopy(built))
    merged.update(conf)
    return merged.validate()


def test_untyped_array_gets_the_json_editor_not_one_string_per_line(params):
    specs, _ = params
    schema = param_schema(specs["servers"])
    items_type = schema["items"]["type"]
    # the form shows "one string per line" exactly when items.type is missing or "string"
    assert items_type is not None and items_type != "string"
    assert "object" in items_type and "string" in items_type  # any JSON item is still accepted


def test_records_keep_their_shape_and_are_validated(params):
    specs, built = params
    schema = param_schema(specs["records"])
    assert schema["items"]["type"] == "object"
    assert schema["items"]["required"] == ["id"]  # attune's per-field `required: true`
    assert schema["items"]["properties"]["name"]["description"] == "host name"
    value = _validate(built, {"records": [{"id": 1, "name": "web-1"}]})["records"]
    assert value == [{"id": 1, "name": "web-1"}] and isinstance(value[0], dict)
    from airflow.sdk.exceptions import ParamValidationError

    for bad in ([{"name": "web-1"}], ["web-1"], [{"id": "one"}]):
        with pytest.raises(ParamValidationError):
            _validate(built, {"records": bad})


def test_object_properties_required_and_enums_are_json_schema(params):
    specs, built = params
    schema = param_schema(specs["options"])
    assert schema["required"] == ["retries"]
    assert "required" not in schema["properties"]["retries"]
    assert schema["properties"]["mode"]["enum"] == ["fast", "safe"]
    assert _validate(built, {"options": {"retries": 2, "mode": "safe"}})["options"] == {
        "retries": 2,
        "mode": "safe",
    }
    from airflow.sdk.exceptions import ParamValidationError

    for bad in ({"mode": "safe"}, {"retries": -1}, {"retries": 1, "mode": "slow"}):
        with pytest.raises(ParamValidationError):
            _validate(built, {"options": bad})


def test_string_arrays_stay_one_per_line_and_item_enums_become_a_multi_select(params):
    specs, _ = params
    assert param_schema(specs["tags"])["items"] == {"type": "string"}
    regions = param_schema(specs["regions"])
    assert regions["examples"] == ["eu", "us", "ap"]  # the form's multi-select reads `examples`


def test_secret_is_masked_and_its_default_never_reaches_the_dag(params):
    specs, built = params
    token = built["token"]
    assert token.schema["format"] == "password"
    assert token.value is None  # the runtime fills the default (reference 1.4); the form shows nothing
    assert "hunter2-default" not in repr(token.dump())
    assert "secret" in (token.description or "").lower()
    assert built["env"].value == "dev"  # non-secret defaults are still shown
    assert specs["token"].default == "hunter2-default"


def test_type_any_takes_every_json_value_in_the_trigger_form(tmp_path: Path):
    path = tmp_path / "wf.yaml"
    path.write_text("parameters:\n  blob: {type: any, required: true}\n  n: {type: integer}\ntasks:\n  - name: a\n")
    spec = load_workflow_file(path)
    built = build_params(spec.parameters)
    assert "type" not in param_schema(spec.parameters["blob"])
    for value in ({"k": [1, 2]}, [1, "x"], "text", 3, 2.5, True):
        assert _validate(built, {"blob": value})["blob"] == value
    with pytest.raises(Exception, match="n"):
        _validate(built, {"blob": 1, "n": "not a number"})
