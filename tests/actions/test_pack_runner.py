"""Pack actions as real processes (reference 9.1): delivery, formats, failures, timeout, secrets."""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
from pathlib import Path

import pytest

from attune_provider.actions import PackAction
from tests.actions.conftest import TEST_PACK
from tests.actions.helpers import wait_gone


def _variant(registry, ref: str, **changes) -> PackAction:
    """The pack's action with other delivery/format metadata (same script)."""
    action = registry.resolve(ref)
    assert isinstance(action, PackAction)
    return PackAction(dataclasses.replace(action.spec, **changes))


PARAMS = {"message": "hi there", "count": 3, "tags": ["a", "b c"], "options": {"depth": 2, "name": "x"}}


@pytest.mark.parametrize("delivery", ["stdin", "file"])
@pytest.mark.parametrize("fmt", ["json", "yaml", "dotenv"])
def test_python_action_receives_parameters_by_every_delivery_and_format(registry, capture, delivery, fmt):
    log, handler = capture
    action = _variant(registry, "acttest.report", parameter_delivery=delivery, parameter_format=fmt)
    result = action.run(PARAMS, exec_id="exec-42", log=log)
    assert result.succeeded, result.error
    assert result.exit_code == 0
    report = result.data
    params = report["params"]
    expected_quote = 'it\'s "quoted"'  # default from the schema, with both quote kinds
    if fmt == "dotenv":
        # attune dotenv: every value is text, nested objects flattened to dotted keys, lists JSON
        assert params == {
            "message": "hi there",
            "count": "3",
            "tags": '["a","b c"]',
            "options.depth": "2",
            "options.name": "x",
            "quote": expected_quote,
        }
    else:
        assert params == {**PARAMS, "quote": expected_quote}
    env = report["env"]
    assert env["ATTUNE_ACTION"] == "acttest.report"
    assert env["ATTUNE_PACK_REF"] == "acttest"
    assert env["ATTUNE_EXEC_ID"] == "exec-42"
    assert env["ATTUNE_API_URL"] == ""
    assert env["ATTUNE_PARAMETER_DELIVERY"] == delivery
    assert env["ATTUNE_PARAMETER_FORMAT"] == fmt
    assert env["ATTUNE_OUTPUT_FORMAT"] == "json"
    assert Path(report["cwd"]) == TEST_PACK.resolve()  # working directory = pack root
    # stdin: document + "\n" (process_executor.rs); file: the bare document (create_parameter_file),
    # except yaml, whose serializer itself ends with a newline
    assert report["raw_ends_with_newline"] is (delivery == "stdin" or fmt == "yaml")
    if delivery == "file":
        assert report["file_mode"] == "0o400"
        assert report["stdin_when_file"] == ""  # nothing on stdin for file delivery
        assert not Path(env["ATTUNE_PARAMETER_FILE"]).exists()  # removed after the run
    else:
        assert "ATTUNE_PARAMETER_FILE" not in env
    assert "report.py got" in result.stderr
    assert any("report.py got" in line for line in handler.lines)  # stderr streamed to the log


@pytest.mark.parametrize("output_format", ["text", "json", "yaml", "jsonl"])
def test_every_output_format_is_parsed(registry, output_format):
    action = _variant(registry, "acttest.report", output_format=output_format)
    result = action.run({"message": "m", "count": 1})
    assert result.succeeded, result.error
    if output_format == "text":
        assert result.data is None
        assert result.stdout == "message=m\n"
    elif output_format in ("json", "yaml"):
        assert result.data["params"]["message"] == "m"
        assert result.data["env"]["ATTUNE_OUTPUT_FORMAT"] == output_format
    else:
        assert result.data == [
            {"key": "count", "value": 1},
            {"key": "message", "value": "m"},
            {"key": "options", "value": {}},
            {"key": "quote", "value": 'it\'s "quoted"'},
            {"key": "tags", "value": []},
        ]


def test_shell_action_with_dotenv_on_stdin(registry, capture):
    log, handler = capture
    result = registry.resolve("acttest.greet").run(
        {"name": "O'Brien $HOME", "times": 2}, exec_id="e1", log=log
    )
    assert result.succeeded, result.error
    assert result.data == {
        "greeting": "hello O'Brien $HOME!hello O'Brien $HOME!",  # quoting survives the shell
        "cwd": str(TEST_PACK.resolve()),
        "exec_id": "e1",
    }
    assert "greeting O'Brien $HOME 2 time(s) as acttest.greet in pack acttest" in result.stderr
    assert any('"greeting"' in line for line in handler.lines)  # stdout streamed too


def test_shell_action_with_yaml_parameter_file_and_yaml_output(registry):
    result = registry.resolve("acttest.file_sum").run({"a": 40, "b": 2})
    assert result.succeeded, result.error
    assert result.data["sum"] == 42
    assert not Path(result.data["parameter_file"]).exists()


def test_failing_script_is_failed_with_exit_code_and_stderr(registry):
    result = registry.resolve("acttest.fail").run({})
    assert not result.succeeded
    assert result.outcome == "failed"
    assert result.exit_code == 3
    assert "something went wrong (code 3)" in result.stderr
    assert result.stdout == "partial output\n"
    assert result.error == "something went wrong (code 3)\n"  # attune: the stderr text
    assert result.data is None  # output is not parsed on failure
    other = registry.resolve("acttest.fail").run({"code": 7})
    assert other.exit_code == 7


def test_unparseable_json_output_with_exit_0_still_succeeds_keeping_stdout(registry, capture):
    """attune crates/worker/src/runtime/process_executor.rs parse_output: a json stdout that
    does not parse is `.ok()` = no result; exit 0 is success and stdout stays in the result."""
    log, handler = capture
    result = registry.resolve("acttest.bad_output").run({}, log=log)
    assert result.outcome == "succeeded" and result.succeeded
    assert (result.exit_code, result.error, result.data) == (0, None, None)
    assert result.stdout == "this is { not JSON\n"
    assert "timed_out" not in result.to_dict()
    # not silent: the task log says why there is no data
    assert any("stdout is not valid JSON" in line and "no data" in line for line in handler.lines)


@pytest.mark.parametrize("output_format", ["json", "yaml", "jsonl"])
def test_parsed_output_is_not_also_kept_as_stdout(registry, capture, output_format):
    """attune process_executor.rs: `stdout: if result.is_some() { String::new() }` ("avoid
    duplication"), and executor.rs handle_execution_success adds stdout only when non-empty."""
    log, handler = capture
    result = _variant(registry, "acttest.report", output_format=output_format).run({"message": "m"}, log=log)
    assert result.succeeded, result.error
    assert result.data is not None
    assert result.stdout == ""
    assert any("[stdout] " in line for line in handler.lines)  # the stream is still in the task log


def test_timeout_kills_the_whole_process_group(registry, tmp_path, capture):
    log, handler = capture
    pid_file = tmp_path / "grandchild.pid"
    result = registry.resolve("acttest.hang").run({"pid_file": str(pid_file)}, log=log)  # timeout_seconds: 1
    assert result.outcome == "timed_out"
    assert not result.succeeded
    assert result.to_dict()["timed_out"] is True  # attune executor.rs handle_execution_timeout
    assert "timed out after 1" in result.error
    assert "started grandchild" in result.stdout
    grandchild = int(pid_file.read_text())
    assert wait_gone(grandchild), f"grandchild sleep {grandchild} survived the timeout"
    assert any("killing process group" in line for line in handler.lines)


def test_task_timeout_overrides_timeout_seconds(registry, tmp_path):
    result = registry.resolve("acttest.hang").run({"pid_file": str(tmp_path / "p")}, timeout=0.3)
    assert result.outcome == "timed_out"
    assert result.error == "Execution timed out after 0.3 seconds"


def test_secret_parameter_never_reaches_the_log_or_captured_output(registry, capture):
    log, handler = capture
    token = "s3cr3t-Token-value"
    result = registry.resolve("acttest.secret_echo").run({"user": "alice", "token": token}, log=log)
    assert result.succeeded, result.error
    assert any("user alice uses token ***" in line for line in handler.lines)
    assert token not in handler.text
    assert token not in result.stdout and token not in result.stderr
    assert "debug token=***" in result.stderr


def test_secret_is_registered_with_airflows_masker(registry):
    from airflow.sdk.log import redact

    token = "another-S3cret-to-mask"
    registry.resolve("acttest.secret_echo").run({"user": "bob", "token": token})
    assert token not in str(redact(f"leaked {token} here"))


def test_missing_required_parameter_fails_before_any_process_starts(registry, tmp_path, capture):
    log, _ = capture
    pid_file = tmp_path / "never.pid"
    result = registry.resolve("acttest.report").run({"count": 1}, log=log)
    assert result.outcome == "failed"
    assert result.exit_code is None
    assert "missing required parameter 'message'" in result.error
    # hang.sh would write the pid file at once if it were started
    bad = registry.resolve("acttest.hang").run({"pid_file": 12}, log=log)
    assert "parameter 'pid_file'" in bad.error and "is not of type 'string'" in bad.error
    assert bad.exit_code is None
    assert not pid_file.exists()


def test_wrong_type_names_the_parameter_and_hides_secret_values(registry):
    result = registry.resolve("acttest.report").run({"message": "m", "count": "three"})
    assert "parameter 'count'" in result.error and "'three' is not of type 'integer'" in result.error
    secret = registry.resolve("acttest.secret_echo").run({"user": "u", "token": ["not", "a-string-secret"]})
    assert "parameter 'token' (secret)" in secret.error
    assert "a-string-secret" not in secret.error


def test_bad_metadata_fails_without_starting_anything(registry, tmp_path):
    base = registry.resolve("acttest.report")
    missing = PackAction(dataclasses.replace(base.spec, entry_point="nope.py")).run({"message": "m"})
    assert "entry_point script not found" in missing.error
    escape = PackAction(dataclasses.replace(base.spec, entry_point="../pack.yaml")).run({"message": "m"})
    assert "leaves the pack's actions/ folder" in escape.error
    runner = PackAction(dataclasses.replace(base.spec, runner_type="cobol")).run({"message": "m"})
    assert "runner_type 'cobol' is not supported" in runner.error
    fmt = PackAction(dataclasses.replace(base.spec, output_format="xml")).run({"message": "m"})
    assert "output_format 'xml' is not supported" in fmt.error


def test_python_interpreter_setting_is_used(registry, tmp_path, monkeypatch):
    wrapper = tmp_path / "python-wrapper"
    marker = tmp_path / "used"
    wrapper.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("AIRFLOW__ATTUNE__PYTHON_INTERPRETER", str(wrapper))
    result = PackAction(registry.resolve("acttest.report").spec).run({"message": "m"})
    assert result.succeeded, result.error
    assert marker.exists()


def test_captured_output_is_capped_and_marked(tmp_path, capture):
    from attune_provider.actions.masking import SecretMasker
    from attune_provider.actions.process import run_process

    log, handler = capture
    outcome = run_process(
        [sys.executable, "-c", "import sys\nfor i in range(2000): print('x' * 99)"],
        cwd=tmp_path,
        env=dict(os.environ),
        stdin_data=None,
        timeout=30,
        log=log,
        masker=SecretMasker(),
        capture_limit=10_000,
    )
    assert outcome.exit_code == 0
    assert outcome.stdout_truncated
    assert outcome.stdout.startswith("x" * 99 + "\n")
    assert outcome.stdout.endswith("[attune: stdout truncated: 190000 of 200000 bytes not kept]")
    assert len(handler.lines) == 2000  # the live log still saw every line
