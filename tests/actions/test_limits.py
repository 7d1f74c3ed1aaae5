"""Bounded output and time (issue 12 item 8): task-log cap and the default action timeout."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from attune_provider.actions import ActionRegistry, PackAction
from attune_provider.actions.masking import SecretMasker
from attune_provider.actions.process import run_process
from attune_provider.spec.model import ActionSpec

LINE = "x" * 99  # 100 bytes with the newline


def test_task_log_stops_at_the_configured_size_and_says_how_much_was_dropped(capture, monkeypatch):
    monkeypatch.setenv("AIRFLOW__ATTUNE__ACTION_LOG_MAX_BYTES", "5000")
    log, handler = capture
    program = f"import sys\nfor i in range(1000): sys.stdout.write({LINE!r} + '\\n')\n"
    outcome = run_process(
        [sys.executable, "-c", program],
        cwd=None,
        env={},
        stdin_data=None,
        timeout=30,
        log=log,
        masker=SecretMasker(),
    )
    assert outcome.exit_code == 0
    logged = [line for line in handler.lines if line == f"[stdout] {LINE}"]
    assert len(logged) == 50  # 5000 bytes of 100-byte lines
    notes = [line for line in handler.lines if "not written to the task log" in line]
    assert len(notes) == 1
    assert "95000 bytes (950 lines) of stdout" in notes[0] and "[attune] action_log_max_bytes" in notes[0]
    assert len(outcome.stdout.splitlines()) == 1000  # the captured copy is not affected


def test_zero_log_limit_means_everything_is_logged(capture, monkeypatch):
    monkeypatch.setenv("AIRFLOW__ATTUNE__ACTION_LOG_MAX_BYTES", "0")
    log, handler = capture
    run_process(
        [sys.executable, "-c", f"for i in range(300): print({LINE!r})"],
        cwd=None,
        env={},
        stdin_data=None,
        timeout=30,
        log=log,
        masker=SecretMasker(),
    )
    assert sum(1 for line in handler.lines if line == f"[stdout] {LINE}") == 300


def _sleeper(tmp_path: Path) -> ActionSpec:
    pack = tmp_path / "slow"
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text("ref: slow\n")
    (pack / "actions" / "sleep.py").write_text("import time\ntime.sleep(60)\n")
    return ActionSpec(ref="slow.sleep", name="sleep", runner_type="python", entry_point="sleep.py", pack_path=pack)


def test_an_action_without_any_timeout_gets_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW__ATTUNE__DEFAULT_ACTION_TIMEOUT", "1")
    result = PackAction(_sleeper(tmp_path), interpreter=sys.executable).run({})
    assert result.timed_out
    assert "Execution timed out after 1 seconds" in result.error and "[attune] default_action_timeout" in result.error
    assert result.duration_ms < 20_000


def test_core_local_without_timeout_gets_the_default(monkeypatch):
    monkeypatch.setenv("AIRFLOW__ATTUNE__DEFAULT_ACTION_TIMEOUT", "1")
    action = ActionRegistry(packs_folders=[], pack_entry_point_group=None).resolve("core.local")
    result = action.run({"cmd": "sleep 60"})
    assert result.timed_out and "[attune] default_action_timeout" in result.error


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("DEFAULT_ACTION_TIMEOUT", "soon", "[attune] default_action_timeout"),
        ("DEFAULT_ACTION_TIMEOUT", "-5", "must be 0 or more"),
        ("ACTION_LOG_MAX_BYTES", "lots", "[attune] action_log_max_bytes"),
    ],
)
def test_bad_settings_fail_the_action_with_a_located_message(tmp_path, monkeypatch, option, value, message):
    monkeypatch.setenv(f"AIRFLOW__ATTUNE__{option}", value)
    result = PackAction(_sleeper(tmp_path), interpreter=sys.executable).run({})
    assert not result.succeeded and not result.timed_out
    assert message in result.error and f"AIRFLOW__ATTUNE__{option}" in result.error
