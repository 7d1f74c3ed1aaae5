"""Flat parameter schema -> defaults and validation; parameter documents and output parsing."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from types import MappingProxyType

import pytest
import yaml

from attune_provider.actions import (
    ActionParameterError,
    OutputParseError,
    flat_parameters,
    format_parameters,
    parse_output,
    prepare_parameters,
    to_json_schema,
)

SCHEMA = flat_parameters(
    {
        "url": {"type": "string", "required": True},
        "retries": {"type": "integer", "default": 3, "minimum": 0},
        "mode": {"type": "string", "enum": ["fast", "slow"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "token": {"type": "string", "secret": True, "minLength": 8},
    }
)


def test_flat_schema_converts_to_json_schema():
    schema = to_json_schema(SCHEMA)
    assert schema["type"] == "object"
    assert schema["required"] == ["url"]
    assert schema["properties"]["retries"] == {"type": "integer", "default": 3, "minimum": 0}
    assert schema["properties"]["mode"]["enum"] == ["fast", "slow"]
    assert "secret" not in schema["properties"]["token"] and "required" not in schema["properties"]["url"]


def test_defaults_fill_missing_and_null_and_extra_keys_pass():
    values = prepare_parameters("p.a", SCHEMA, {"url": "u", "retries": None, "extra": 1})
    assert values == {"url": "u", "retries": 3, "extra": 1}


def test_null_optional_parameter_is_not_type_checked_but_null_required_is_missing():
    assert prepare_parameters("p.a", SCHEMA, {"url": "u", "mode": None})["mode"] is None
    with pytest.raises(ActionParameterError, match="missing required parameter 'url'"):
        prepare_parameters("p.a", SCHEMA, {"url": None})


def test_every_problem_is_reported_with_the_parameter_name():
    with pytest.raises(ActionParameterError) as info:
        prepare_parameters("p.a", SCHEMA, {"retries": -1, "mode": "medium", "tags": ["a", 2]})
    error = info.value
    assert error.ref == "p.a"
    text = str(error)
    assert text.startswith("action 'p.a': invalid input: ")
    assert "missing required parameter 'url'" in text
    assert "parameter 'retries': -1 is less than the minimum of 0" in text
    assert "parameter 'mode': 'medium' is not one of ['fast', 'slow']" in text
    assert "parameter 'tags[1]': 2 is not of type 'string'" in text


def test_secret_values_are_not_quoted_in_errors():
    with pytest.raises(ActionParameterError) as info:
        prepare_parameters("p.a", SCHEMA, {"url": "u", "token": "short"})
    assert "parameter 'token' (secret) fails 'minLength'" in str(info.value)
    assert "short" not in str(info.value)


PARAMS = {
    "msg": 'it\'s a "test" $HOME `x`',
    "n": 3,
    "ok": True,
    "none": None,
    "f": 1.5,
    "list": [1, "a"],
    "obj": {"k": "v", "inner": {"z": False}},
    "empty": {},
}


def test_json_and_yaml_documents_round_trip():
    assert json.loads(format_parameters(PARAMS, "json")) == PARAMS
    assert yaml.safe_load(format_parameters(PARAMS, "yaml")) == PARAMS


def test_dotenv_document_is_attunes_shell_quoted_flat_form():
    text = format_parameters(PARAMS, "dotenv")
    # attune's format_dotenv sorts the lines
    assert text.splitlines() == [
        "f='1.5'",
        "list='[1,\"a\"]'",
        "msg='it'\\''s a \"test\" $HOME `x`'",
        "n='3'",
        "none=''",
        "obj.inner.z='false'",
        "obj.k='v'",
        "ok='true'",
    ]
    # a shell restores each value exactly (no expansion of $HOME or backticks)
    script = 'while IFS= read -r line; do v="${line#*=}"; eval "v=$v"; printf \'%s\\n\' "$v"; done'
    out = subprocess.run(
        ["bash", "-c", script], input=text + "\n", capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines()[2] == PARAMS["msg"]


def test_unknown_parameter_format_is_rejected():
    with pytest.raises(ValueError, match="unknown parameter_format 'xml'"):
        format_parameters({}, "xml")


@pytest.mark.parametrize(
    ("fmt", "stdout", "expected"),
    [
        ("text", "anything\n", None),
        ("json", '{"a": 1}\n', {"a": 1}),
        ("json", 'log line\n{"a": 2}\n', {"a": 2}),  # attune: last line when the whole is not JSON
        ("json", "   \n", None),
        ("yaml", "a: 1\nb: [x]\n", {"a": 1, "b": ["x"]}),
        ("jsonl", '{"i": 1}\n\n{"i": 2}\n', [{"i": 1}, {"i": 2}]),
        ("jsonl", "", None),
        ("jsonl", '{"i": 1}\nbroken\n', [{"i": 1}]),  # attune skips lines that are not JSON
        ("jsonl", "only text\n", None),  # attune: no JSON line, no result
        # attune process_executor.rs parse_output: a parse failure is `.ok()` = no data, not an error
        ("json", "not json\nstill not\n", None),
        ("yaml", "a: [1\n", None),
    ],
)
def test_output_parsing(fmt, stdout, expected):
    assert parse_output(stdout, fmt) == expected


@pytest.mark.parametrize(
    ("fmt", "stdout", "message"),
    [
        ("xml", "<a/>", "unknown output_format 'xml'"),
    ],
)
def test_output_parse_errors(fmt, stdout, message):
    with pytest.raises(OutputParseError, match=message):
        parse_output(stdout, fmt)


class _View(Sequence):
    """A read-only sequence that is not a list (like the result store's lazy views)."""

    def __init__(self, items):
        self._items = list(items)

    def __getitem__(self, index):
        return self._items[index]

    def __len__(self):
        return len(self._items)


def test_read_only_views_count_as_objects_and_arrays():
    schema = flat_parameters({"obj": {"type": "object", "required": True}, "arr": {"type": "array"}})
    values = {"obj": MappingProxyType({"k": _View([1])}), "arr": _View(["a"])}
    assert prepare_parameters("p.a", schema, values) == values
    for fmt in ("json", "yaml"):
        loader = json.loads if fmt == "json" else yaml.safe_load
        assert loader(format_parameters(values, fmt)) == {"obj": {"k": [1]}, "arr": ["a"]}
    assert format_parameters(values, "dotenv").splitlines() == ["arr='[\"a\"]'", "obj.k='[1]'"]
    with pytest.raises(ActionParameterError, match="parameter 'obj': 'text' is not of type 'object'"):
        prepare_parameters("p.a", schema, {"obj": "text"})


def test_parameter_error_survives_pickling():
    import pickle

    with pytest.raises(ActionParameterError) as info:
        prepare_parameters("p.a", SCHEMA, {})
    copy = pickle.loads(pickle.dumps(info.value))
    assert str(copy) == str(info.value) and copy.problems == ["missing required parameter 'url'"]


def test_type_any_accepts_every_json_value_at_run_time():
    schema = flat_parameters({"blob": {"type": "any", "required": True}})
    assert "type" not in to_json_schema(schema)["properties"]["blob"]
    for value in ({"k": [1]}, [1, "x"], "text", 3, False):
        assert prepare_parameters("p.a", schema, {"blob": value})["blob"] == value
