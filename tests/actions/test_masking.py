"""Secrets never leave an action in clear: parsed data, stored result, log (issue 12 item 4)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from attune_provider.actions import ActionRegistry, PackAction
from attune_provider.actions.masking import REPLACEMENT, SecretMasker, secret_strings
from attune_provider.spec.model import ActionSpec, ParameterSpec

TOKEN = "s3cr3t-Token-value-77"


def _json_pack(tmp_path: Path) -> ActionSpec:
    pack = tmp_path / "leaky"
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text("ref: leaky\n")
    (pack / "actions" / "leak.py").write_text(
        "import json, sys\np = json.loads(sys.stdin.readline())\n"
        "print(json.dumps({'token': p['token'], 'nested': {'list': ['x', 'Bearer ' + p['token']]},"
        " p['token']: 'as a key', 'n': 1}))\n"
    )
    parameters = {
        "token": ParameterSpec(name="token", type="string", required=True, secret=True),
    }
    return ActionSpec(
        ref="leaky.leak",
        name="leak",
        runner_type="python",
        entry_point="leak.py",
        output_format="json",
        parameters=parameters,
        pack_path=pack,
    )


def test_parsed_json_data_of_a_secret_parameter_is_masked(tmp_path, capture):
    """Issue 12 item 4b: data was parsed before redaction and kept the clear value."""
    log, handler = capture
    result = PackAction(_json_pack(tmp_path), interpreter=sys.executable).run({"token": TOKEN}, log=log)
    assert result.succeeded, result.error
    stored = json.dumps(result.to_dict())
    assert TOKEN not in stored  # data, stdout, stderr, error: the stored object
    assert result.data["token"] == REPLACEMENT
    assert result.data["nested"]["list"] == ["x", f"Bearer {REPLACEMENT}"]
    assert result.data[REPLACEMENT] == "as a key" and result.data["n"] == 1
    assert TOKEN not in handler.text


def test_workflow_secrets_passed_by_the_caller_are_masked(capture):
    """Issue 12 item 4a: a workflow parameter marked secret that flows into plain input."""
    log, handler = capture
    registry = ActionRegistry(packs_folders=[], pack_entry_point_group=None)
    action = registry.resolve("core.echo")
    workflow_params = {"api_key": ParameterSpec(name="api_key", type="string", secret=True)}
    secrets = secret_strings(workflow_params, {"api_key": TOKEN})
    result = action.run({"message": f"key is {TOKEN}"}, log=log, secrets=secrets)
    assert result.succeeded
    assert TOKEN not in json.dumps(result.to_dict()) and TOKEN not in handler.text
    assert result.data == {"message": f"key is {REPLACEMENT}"}


def test_masking_a_value_walks_keys_lists_and_numbers():
    masker = SecretMasker(["abc123", "987654"])
    value = {"abc123": [1, "x abc123 y", 987654, {"k": ("abc123",)}], "ok": True}
    assert masker.redact_value(value) == {
        REPLACEMENT: [1, f"x {REPLACEMENT} y", REPLACEMENT, {"k": [REPLACEMENT]}],
        "ok": True,
    }
    assert SecretMasker().redact_value(value) is value  # nothing to mask: untouched


def test_workflow_parameters_marked_secret_are_masked_from_the_task_context(capture):
    """Issue 12 item 4a: a compiled DAG marks secret workflow parameters with format 'password'."""
    import pendulum
    from airflow.sdk import DAG, Param

    from attune_provider.compiler.params import build_params

    workflow_params = {
        "api_key": ParameterSpec(name="api_key", type="string", secret=True, has_default=True, default=TOKEN),
        "region": ParameterSpec(name="region", type="string", has_default=True, default="eu-west-1"),
    }
    params = build_params(workflow_params)
    assert isinstance(params["api_key"], Param)
    dag = DAG("masking_ctx", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), params=params)
    context = {"dag": dag, "params": {"api_key": TOKEN, "region": "eu-west-1"}}
    log, handler = capture
    action = ActionRegistry(packs_folders=[], pack_entry_point_group=None).resolve("core.echo")
    result = action.run({"message": f"{TOKEN} in eu-west-1"}, context=context, log=log)
    assert result.data == {"message": f"{REPLACEMENT} in eu-west-1"}
    assert TOKEN not in json.dumps(result.to_dict()) and TOKEN not in handler.text


def test_core_local_never_puts_a_secret_on_bash_command_line():
    """Issue 22 point 2: `ps` (/proc/<pid>/cmdline) is readable by every user; a `cmd` holding a
    secret reaches bash through its environment. The command line is printed base64-encoded so
    the output masker cannot hide a leak, and the command still sees the value."""
    import base64

    from attune_provider.actions.core_actions import core_action

    secret = "cmdline-SECRET-7171"
    cmd = f"test {secret!r} = '{secret}' && tr '\\0' ' ' < /proc/$$/cmdline | base64 -w0"
    result = core_action("core.local").run({"cmd": cmd}, secrets=[secret])
    assert result.succeeded, result.error
    cmdline = base64.b64decode(result.stdout.strip()).decode()
    assert "bash" in cmdline and secret not in cmdline
    plain = core_action("core.local").run({"cmd": "tr '\\0' ' ' < /proc/$$/cmdline | base64 -w0"})
    assert "base64" in base64.b64decode(plain.stdout.strip()).decode()  # no secret: plain bash -c
