"""The process layer under pack actions and core.local: kill escalation, leftovers, stdin."""

from __future__ import annotations

import os
import sys
import time

from attune_provider.actions.masking import SecretMasker
from attune_provider.actions.process import run_process
from tests.actions.helpers import wait_gone


def _run(script: str, tmp_path, capture, **kw):
    log, _ = capture
    return run_process(
        ["bash", "-c", script], cwd=tmp_path, env=dict(os.environ), log=log, masker=SecretMasker(), **kw
    )


def test_sigterm_ignored_escalates_to_sigkill_for_the_whole_group(tmp_path, capture):
    pid_file = tmp_path / "pid"
    # TERM is ignored by the script and (inherited) by its background grandchild
    script = f"trap '' TERM; sleep 300 & echo $! > {pid_file}; while true; do sleep 0.1; done"
    outcome = _run(script, tmp_path, capture, stdin_data=None, timeout=0.5, kill_grace=0.5)
    assert outcome.timed_out
    assert outcome.exit_code == -9  # SIGKILL, after SIGTERM was ignored
    grandchild = int(pid_file.read_text())
    assert wait_gone(grandchild)


def test_background_child_holding_the_pipes_is_cleaned_up_after_the_leader_exits(tmp_path, capture):
    _, handler = capture
    pid_file = tmp_path / "pid"
    outcome = _run(
        f"sleep 300 & echo $! > {pid_file}; echo leader done",
        tmp_path,
        capture,
        stdin_data=None,
        timeout=None,
        kill_grace=1,
    )
    assert outcome.exit_code == 0 and not outcome.timed_out
    assert outcome.stdout == "leader done\n"
    grandchild = int(pid_file.read_text())
    assert wait_gone(grandchild)
    assert any("keep the output open" in line for line in handler.lines)


def test_child_that_ignores_stdin_does_not_block(tmp_path, capture):
    big = b"x" * (4 * 1024 * 1024)  # far larger than a pipe buffer
    outcome = _run("echo ignored stdin", tmp_path, capture, stdin_data=big, timeout=30)
    assert outcome.exit_code == 0
    assert outcome.stdout == "ignored stdin\n"


def test_missing_program_is_a_start_error(tmp_path, capture):
    log, _ = capture
    outcome = run_process(
        ["/nonexistent/program"],
        cwd=tmp_path,
        env={},
        stdin_data=None,
        timeout=5,
        log=log,
        masker=SecretMasker(),
    )
    assert outcome.exit_code is None
    assert "could not start '/nonexistent/program'" in outcome.start_error


class _TimedLog:
    """Logger stand-in recording when each line arrived (the process-layer only calls info/warning)."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []

    def info(self, fmt: str, *args: object) -> None:
        self.lines.append((time.monotonic(), fmt % args))

    warning = info


def test_lines_are_logged_live_before_the_process_ends(tmp_path):
    log = _TimedLog()
    script = "import time\nprint('first', flush=True)\ntime.sleep(2)\nprint('second', flush=True)"
    outcome = run_process(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=dict(os.environ),
        stdin_data=None,
        timeout=30,
        log=log,
        masker=SecretMasker(),
    )  # type: ignore[arg-type]
    finished = time.monotonic()
    assert outcome.exit_code == 0
    arrived = {text.removeprefix("[stdout] "): when for when, text in log.lines}
    # "first" reached the log about two seconds before the process ended, not at the end
    assert finished - arrived["first"] >= 1.0
    assert arrived["second"] - arrived["first"] >= 1.0
