"""attune's flat parameter schema -> ParameterSpec (reference 1.4)."""

from __future__ import annotations

from textwrap import dedent

TASKS = """
tasks:
  - name: a
    action: core.echo
"""


def test_flat_schema_fields(load):
    wf = load(
        dedent("""
        parameters:
          target:
            type: string
            required: true
            description: Where to deploy
          env:
            type: string
            enum: [dev, prod]
            default: dev
          token:
            type: string
            secret: true
          count:
            type: integer
            minimum: 1
            maximum: 10
            default: null
          anything:
        """)
        + TASKS
    )
    target, env, token, count, anything = (
        wf.parameters[n] for n in ("target", "env", "token", "count", "anything")
    )
    assert target.required and target.type == "string" and target.description == "Where to deploy"
    assert not target.has_default
    assert dict(target.schema) == {"type": "string", "description": "Where to deploy"}
    assert env.enum == ("dev", "prod") and env.has_default and env.default == "dev"
    assert token.secret and "secret" not in token.schema
    assert dict(count.schema) == {"type": "integer", "minimum": 1, "maximum": 10, "default": None}
    assert count.has_default and count.default is None
    assert anything.type is None and dict(anything.schema) == {}
    assert target.location.line == 2 and env.location.line == 6
    assert list(wf.parameters) == ["target", "env", "token", "count", "anything"]


def test_required_list_is_json_schema_not_attune_flag(load):
    wf = load(
        dedent("""
        parameters:
          obj:
            type: object
            properties: {a: {type: string}}
            required: [a]
        """)
        + TASKS
    )
    obj = wf.parameters["obj"]
    assert not obj.required
    assert obj.schema["required"] == ["a"]


def test_unknown_parameter_keyword_warns_with_suggestion(load):
    wf = load("parameters:\n  n:\n    type: integer\n    minimun: 3\n" + TASKS)
    (warning,) = wf.warnings
    assert warning.location.line == 4
    assert "unknown parameter key 'minimun' is ignored; did you mean 'minimum'?" in warning.message


def test_bad_parameter_definitions_are_errors(load_errors):
    error = load_errors(
        dedent("""
        parameters:
          a: text
          b: {type: strng}
          c: {type: string, required: "yes"}
          d: {type: string, secret: 1}
          e: {type: string, enum: dev}
        """)
        + TASKS
    )
    messages = [e.message for e in error.errors]
    assert [e.location.line for e in error.errors] == [2, 3, 4, 5, 6]
    assert "parameter 'a' must be a mapping" in messages[0]
    assert "unknown type 'strng'" in messages[1]
    assert "'required' of parameter 'c' must be true or false" in messages[2]
    assert "'secret' of parameter 'd'" in messages[3]
    assert "'enum' of parameter 'e' must be a list" in messages[4]


def test_parameters_must_be_a_mapping(load_errors):
    error = load_errors("parameters: [a, b]\n" + TASKS)
    assert "'parameters' must be a mapping of parameter name to schema" in str(error)


def test_wrapped_json_schema_form_reads_as_the_flat_form(load):
    """attune's pack docs (docs/packs/pack-structure.md) show the wrapped form for existing files;
    attune stores it as given. Each property is a parameter; the required list marks required."""
    wf = load(
        dedent("""
        parameters:
          type: object
          properties:
            message: {type: string, description: What to send}
            channel: {type: string, default: ops}
          required:
            - message
        """)
        + TASKS
    )
    assert set(wf.parameters) == {"message", "channel"}
    assert wf.parameters["message"].required and wf.parameters["message"].description == "What to send"
    assert not wf.parameters["channel"].required and wf.parameters["channel"].default == "ops"
    (warning,) = [w for w in wf.warnings if w.code == "wrapped-schema"]
    assert warning.location.line == 2


def test_wrapped_schema_required_must_name_properties(load_errors):
    error = load_errors(
        "parameters:\n  type: object\n  properties:\n    a: {type: string}\n  required: [b]\n" + TASKS
    )
    assert "'required' names 'b', which is not a property" in str(error)


ATTUNE_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null", "any")


def test_every_parameter_type_attune_accepts_loads_any_included(load):
    """Real packs write `type: any` (no constraint) and attune's `position` extension, which
    attune strips before JSON-schema validation (crates/api/src/validation/params.rs,
    flat_to_json_schema); neither is an error or a warning here."""
    body = "parameters:\n" + "".join(f'  p_{t}: {{type: "{t}", position: 0}}\n' for t in ATTUNE_TYPES)
    wf = load(body + TASKS)
    assert wf.warnings == ()
    assert set(wf.parameters) == {f"p_{t}" for t in ATTUNE_TYPES}
    for name in ATTUNE_TYPES[:-1]:
        assert wf.parameters[f"p_{name}"].type == name
        assert wf.parameters[f"p_{name}"].schema["type"] == name
    anything = wf.parameters["p_any"]
    assert anything.type is None and "type" not in anything.schema  # no constraint at all
    assert "position" not in anything.schema


def test_any_accepts_every_default_and_a_type_list_with_any_is_unconstrained(load):
    wf = load(
        "parameters:\n  a: {type: any, default: [1, {x: 2}]}\n  b: {type: [string, any], default: 3}\n" + TASKS
    )
    assert wf.parameters["a"].default == [1, {"x": 2}]
    assert "type" not in wf.parameters["b"].schema
