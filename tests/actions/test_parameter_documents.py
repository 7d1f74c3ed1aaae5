"""Golden parameter documents: the exact bytes attune's worker writes for each format.

Every case names where its expectation comes from in attune-system/attune (or in the
serializer crates attune calls: serde_json, serde_yaml_ng / serde_yaml, ryu). attune's own
tests assert with ``contains``; the whole documents below follow from the code those tests
exercise (``format_dotenv`` sorts its lines, ``format_json`` is ``serde_json::to_string``,
``format_yaml`` is ``serde_yaml_ng::to_string``). attune keeps the top-level parameters in a
``HashMap`` (no defined order); this provider writes them sorted, like serde_json sorts nested
objects (its ``Map`` is a ``BTreeMap``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from attune_provider.actions import PackAction, format_parameters
from attune_provider.actions.parameter_documents import (
    DotenvKeyError,
    json_number,
    parameter_document,
    stdin_bytes,
    yaml_reads_as_non_string,
)
from attune_provider.spec.model import ActionSpec

PP = "crates/worker/src/runtime/parameter_passing.rs"
PE = "crates/worker/src/runtime/process_executor.rs"

GOLDEN = [
    pytest.param(
        {"message": "Hello, World!", "count": 42, "enabled": True},
        "dotenv",
        "count='42'\nenabled='true'\nmessage='Hello, World!'",
        id=f"{PP}::test_format_dotenv",
    ),
    pytest.param(
        {
            "url": "https://example.com",
            "headers": {"Content-Type": "application/json", "Authorization": "Bearer token"},
            "query_params": {"page": "1", "size": "10"},
        },
        "dotenv",
        "headers.Authorization='Bearer token'\nheaders.Content-Type='application/json'\n"
        "query_params.page='1'\nquery_params.size='10'\nurl='https://example.com'",
        id=f"{PP}::test_format_dotenv_nested_objects",
    ),
    pytest.param(
        {"url": "https://example.com", "headers": {}, "query_params": {}},
        "dotenv",
        "url='https://example.com'",
        id=f"{PP}::test_format_dotenv_empty_objects",
    ),
    pytest.param(
        {"message": "It's a test"},
        "dotenv",
        "message='It'\\''s a test'",
        id=f"{PP}::test_format_dotenv_escaping",
    ),
    pytest.param(
        # flatten_parameters: arrays are serde_json::to_string text, null is empty, numbers
        # are Number::to_string (ryu for floats); format_dotenv sorts whole lines, so 'a-b'
        # (0x2d) sorts before 'a=' (0x3d)
        {"a": [1, "x", {"k": None}], "a-b": None, "f": 1.0, "g": 1e16, "h": 0.00001, "t": False},
        "dotenv",
        "a-b=''\na='[1,\"x\",{\"k\":null}]'\nf='1.0'\ng='1e16'\nh='0.00001'\nt='false'",
        id=f"{PP}::flatten_parameters+format_dotenv(sorted lines)",
    ),
    pytest.param(
        {"message": "Hello", "count": 42},
        "json",
        '{"count":42,"message":"Hello"}',
        id=f"{PP}::test_format_json (compact single line)",
    ),
    pytest.param(
        {
            "s": 'tab\there "q" \\ é \x01',
            "n": None,
            "l": [1.5, -0.0, 1e-7, 123456789012345680000.0],
            "o": {"b": 1, "a": {}},
        },
        "json",
        '{"l":[1.5,-0.0,1e-7,1.2345678901234568e20],"n":null,"o":{"a":{},"b":1},'
        '"s":"tab\\there \\"q\\" \\\\ é \\u0001"}',
        id="serde_json::to_string (escapes, ryu floats, BTreeMap key order)",
    ),
    pytest.param(
        {"message": "Hello", "count": 42},
        "yaml",
        "count: 42\nmessage: Hello\n",
        id=f"{PP}::test_format_yaml",
    ),
    pytest.param(
        {
            "flags": ["true", "42", "", "null", "~", "0x1f", "1e3", "yes", "007", "2024-01-01", "inf"],
            "multi": "line one\nline two\n",
            "nested": {"list": [1, 2.5, None, True], "empty_map": {}, "empty_list": []},
        },
        "yaml",
        "flags:\n- 'true'\n- '42'\n- ''\n- 'null'\n- '~'\n- '0x1f'\n- '1e3'\n- yes\n- 007\n"
        "- 2024-01-01\n- inf\n"
        "multi: |\n  line one\n  line two\n"
        "nested:\n  empty_list: []\n  empty_map: {}\n  list:\n  - 1\n  - 2.5\n  - null\n  - true\n",
        id="serde_yaml ser.rs::serialize_str (InferScalarStyle quotes what would read back as "
        "null/bool/int/float; newline -> literal) + libyaml emitter",
    ),
]


@pytest.mark.parametrize(("values", "fmt", "expected"), GOLDEN)
def test_parameter_document_matches_attune_byte_for_byte(values, fmt, expected):
    assert parameter_document(values, fmt) == expected
    assert format_parameters(values, fmt) == expected


def test_stdin_gets_the_document_plus_one_newline():
    # process_executor.rs::execute_streaming_cancellable writes params_data then b"\n", then drops stdin
    assert stdin_bytes({"a": 1}, "json") == b'{"a":1}\n'
    # serde_yaml_ng::to_string already ends with a newline: attune's stdin then has two
    assert stdin_bytes({"a": 1}, "yaml") == b"a: 1\n\n"
    assert stdin_bytes({}, "dotenv") == b"\n"


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1.0, "1.0"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e16"),
        (1.5e300, "1.5e300"),
        (0.0001, "0.0001"),
        (0.00001, "0.00001"),
        (0.000001, "1e-6"),
        (1.25e-7, "1.25e-7"),
        (42, "42"),
        (-(2**63), "-9223372036854775808"),
        (2**64 - 1, "18446744073709551615"),
        (2**70, "1.1805916207174113e21"),  # beyond u64: serde_json holds it as f64
    ],
    ids=lambda v: str(v),
)
def test_numbers_are_formatted_like_serde_json_ryu(number, text):
    # ryu src/pretty/mod.rs::format64 (used by serde_json and serde_yaml for f64)
    assert json_number(number) == text


def test_non_finite_floats_become_null_like_serde_json_value():
    # serde_json::Value cannot hold NaN/inf (Number::from_f64 -> None): attune sees null
    assert parameter_document({"x": float("nan"), "y": float("inf")}, "json") == '{"x":null,"y":null}'
    assert parameter_document({"x": float("nan")}, "dotenv") == "x=''"


@pytest.mark.parametrize("key", ["a; touch x; b", "$(id)", "a b", "`x`", "a'b", "a\nb", "", "-rf"])
def test_dotenv_rejects_keys_a_shell_would_execute(key):
    with pytest.raises(DotenvKeyError) as info:
        parameter_document({"obj": {key: "v"}}, "dotenv")
    assert repr(f"obj.{key}") in str(info.value) and "parameter_format json" in str(info.value)


def test_dotenv_injection_key_never_runs_in_a_script_that_evals_its_input(tmp_path):
    """Issue 12 item 5: the key ``a; touch x; b`` in an evaluating shell action."""
    pack = tmp_path / "inj"
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text("ref: inj\n")
    (pack / "actions" / "evil.sh").write_text(
        '#!/bin/bash\nwhile IFS= read -r line; do eval "$line"; done\necho done\n'
    )
    spec = ActionSpec(
        ref="inj.evil",
        name="evil",
        runner_type="shell",
        entry_point="evil.sh",
        parameter_format="dotenv",
        pack_path=pack,
    )
    result = PackAction(spec).run({"obj": {"a; touch x; b": "1"}})
    assert not result.succeeded
    assert "'obj.a; touch x; b'" in result.error and "dotenv" in result.error
    assert not (pack / "x").exists()
    # safe keys (attune's own dotted/hyphenated form) still run
    ok = PackAction(spec).run({"headers": {"Content-Type": "text/plain"}})
    assert ok.succeeded, ok.error


def _pack(tmp_path: Path, name: str, script: str, body: str, **meta: str) -> ActionSpec:
    pack = tmp_path / "golden"
    (pack / "actions").mkdir(parents=True, exist_ok=True)
    (pack / "pack.yaml").write_text("ref: golden\n")
    (pack / "actions" / script).write_text(body)
    return ActionSpec(ref=f"golden.{name}", name=name, entry_point=script, pack_path=pack, **meta)


def test_python_script_reading_one_stdin_line_runs_unchanged(tmp_path):
    """The pattern attune documents: ``json.loads(sys.stdin.readline())``."""
    spec = _pack(
        tmp_path,
        "readline",
        "readline.py",
        "import json, sys\nparams = json.loads(sys.stdin.readline())\n"
        "rest = sys.stdin.read()\nprint(json.dumps({'got': params, 'rest': rest}))\n",
        runner_type="python",
        output_format="json",
    )
    values = {"message": "multi\nline", "items": [1, 2], "nested": {"k": "v"}}
    result = PackAction(spec, interpreter=sys.executable).run(values)
    assert result.succeeded, (result.error, result.stderr)
    assert result.data == {"got": values, "rest": ""}


def test_shell_script_reading_one_line_runs_unchanged(tmp_path):
    spec = _pack(
        tmp_path,
        "oneline",
        "oneline.sh",
        '#!/bin/bash\nIFS= read -r line\nprintf \'%s\' "$line" > "$ATTUNE_PACK_REF.line"\n'
        'rest=$(cat)\nprintf \'{"rest": "%s"}\\n\' "$rest"\n',
        runner_type="shell",
        output_format="json",
    )
    values = {"b": "two words", "a": 1}
    result = PackAction(spec).run(values)
    assert result.succeeded, (result.error, result.stderr)
    assert result.data == {"rest": ""}
    line = (Path(spec.pack_path) / "golden.line").read_text()
    assert line == '{"a":1,"b":"two words"}'


def test_file_delivery_writes_the_document_without_newline_mode_0400(tmp_path):
    # parameter_passing.rs::create_parameter_file writes `formatted` only (no newline), 0o400,
    # and prepare_parameters sets ATTUNE_PARAMETER_DELIVERY=file, _FORMAT, _FILE
    spec = _pack(
        tmp_path,
        "fromfile",
        "fromfile.py",
        "import json, os, stat, sys\np = os.environ['ATTUNE_PARAMETER_FILE']\n"
        "raw = open(p, 'rb').read().decode()\n"
        "print(json.dumps({'raw': raw, 'mode': oct(stat.S_IMODE(os.stat(p).st_mode)),"
        " 'stdin': sys.stdin.read(), 'env': {k: v for k, v in os.environ.items() if k.startswith('ATTUNE_')}}))\n",
        runner_type="python",
        output_format="json",
        parameter_delivery="file",
        parameter_format="yaml",
    )
    result = PackAction(spec, interpreter=sys.executable).run({"k": "v"})
    assert result.succeeded, (result.error, result.stderr)
    data = result.data
    assert data["raw"] == "k: v\n" and data["mode"] == "0o400" and data["stdin"] == ""
    env = data["env"]
    assert env["ATTUNE_PARAMETER_DELIVERY"] == "file" and env["ATTUNE_PARAMETER_FORMAT"] == "yaml"
    assert not os.path.exists(env["ATTUNE_PARAMETER_FILE"])  # removed after the run


def test_attune_environment_is_the_set_the_worker_sets(tmp_path, monkeypatch):
    # executor.rs::prepare_execution_context: ATTUNE_EXEC_ID, ATTUNE_ACTION, ATTUNE_API_URL,
    # ATTUNE_ARTIFACTS_DIR, ATTUNE_RUNTIME_ENVS_DIR, ATTUNE_PACK_REF (action_ref up to the
    # first '.'); parameter_passing.rs::apply_runtime_environment removes an inherited
    # ATTUNE_API_TOKEN; prepare_parameters adds ATTUNE_PARAMETER_DELIVERY / _FORMAT
    monkeypatch.setenv("ATTUNE_API_TOKEN", "inherited-token")
    spec = _pack(
        tmp_path,
        "envdump",
        "envdump.py",
        "import json, os\nprint(json.dumps({k: v for k, v in os.environ.items() if k.startswith('ATTUNE_')}))\n",
        runner_type="python",
        output_format="json",
    )
    result = PackAction(spec, interpreter=sys.executable).run({}, exec_id="dag/run/task")
    assert result.succeeded, (result.error, result.stderr)
    env = result.data
    assert set(env) == {
        "ATTUNE_EXEC_ID",
        "ATTUNE_ACTION",
        "ATTUNE_API_URL",
        "ATTUNE_ARTIFACTS_DIR",
        "ATTUNE_RUNTIME_ENVS_DIR",
        "ATTUNE_PACK_REF",
        "ATTUNE_PARAMETER_DELIVERY",
        "ATTUNE_PARAMETER_FORMAT",
        "ATTUNE_OUTPUT_FORMAT",
    }
    assert env["ATTUNE_ACTION"] == "golden.envdump" and env["ATTUNE_PACK_REF"] == "golden"
    assert env["ATTUNE_EXEC_ID"] == "dag/run/task" and env["ATTUNE_PARAMETER_FORMAT"] == "json"
    assert os.path.isdir(env["ATTUNE_ARTIFACTS_DIR"])


def test_yaml_document_reads_back_with_a_yaml_parser():
    values = {"s": "a: b", "t": "- x", "q": "it's", "u": "ünï", "long": "word " * 30}
    document = parameter_document(values, "yaml")
    import yaml

    assert yaml.safe_load(document) == values
    assert json.loads(parameter_document(values, "json")) == values


def test_shell_restores_dotenv_values_exactly():
    values = {"msg": 'it\'s a "test" $HOME `x`', "n": 3}
    text = parameter_document(values, "dotenv")
    script = 'while IFS= read -r line; do v="${line#*=}"; eval "v=$v"; printf \'%s\\n\' "$v"; done'
    out = subprocess.run(
        ["bash", "-c", script], input=text + "\n", capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines() == [values["msg"], "3"]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        # serde_yaml de.rs::visit_untagged_scalar: null, bool, int (parse_unsigned_int /
        # parse_negative_int), then float (parse_f64) unless digits_but_not_number
        ("Null", True),
        ("FALSE", True),
        ("-0x1f", True),
        ("+0o17", True),
        ("0b101", True),
        ("-0", True),
        ("+5", True),
        (".5", True),
        ("1.", True),
        ("-1.5e-3", True),
        ("+.inf", True),
        ("-.INF", True),
        (".NaN", True),
        ("0x", False),
        ("0X1F", False),
        ("+-1", False),
        ("00", False),
        ("-007", False),
        ("1e400", False),  # not finite: a string
        ("nan", False),
        ("inf", False),
        ("1_000", False),
        ("True ", False),
        ("yes", False),
    ],
)
def test_yaml_quotes_exactly_what_serde_yaml_would_read_back_as_a_non_string(text, quoted):
    document = parameter_document({"v": text}, "yaml")
    if not text.endswith(" "):  # a trailing space makes libyaml quote it anyway
        assert document == (f"v: '{text}'\n" if quoted else f"v: {text}\n")
    assert yaml_reads_as_non_string(text) is quoted
