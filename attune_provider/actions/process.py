"""Run one child process the way attune's worker does: own process group, live log, capped capture.

Used by pack actions and by ``core.local``/``core.shell``. stdout and stderr are read by two
threads that log every line as it arrives (secrets masked) while keeping a capped copy; the
parameter document is written by a third thread so a child that does not read stdin cannot
deadlock us. A timeout kills the whole process group (SIGTERM, then SIGKILL after a grace
period), so grandchildren die too. When the leader exits while background children still
hold the pipes open, the leftover group is terminated the same way after a short wait.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attune_provider.actions.masking import SecretMasker
from attune_provider.actions.result import ActionResult
from attune_provider.actions.settings import action_log_limit

#: captured (stored) bytes per stream; the live log always sees every line
CAPTURE_LIMIT = 1024 * 1024
#: stdout kept for parsing structured output (json/yaml/jsonl), far above the stored cap
PARSE_LIMIT = 64 * 1024 * 1024
#: seconds between SIGTERM and SIGKILL of the process group
KILL_GRACE = 5.0
#: seconds to wait for pipes to close after the leader exited before killing leftovers
LEFTOVER_WAIT = 1.0
#: longest line written to the log in one record
LOG_LINE_LIMIT = 16 * 1024
#: the total per stream is ``[attune] action_log_max_bytes`` (settings.action_log_limit)


@dataclass
class ProcessOutcome:
    exit_code: int | None
    stdout: str  # capped copy (note appended when truncated)
    stderr: str
    full_stdout: str  # up to PARSE_LIMIT, for output parsing
    full_stdout_complete: bool
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    duration_ms: int
    start_error: str | None = None

    def result_fields(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "duration_ms": self.duration_ms,
            "stdout": self.stdout,
            "stderr": self.stderr,
        }

    def unsuccessful(self, what: str, timeout: float | None, data: Any = None) -> ActionResult | None:
        """The failed / timed-out result of this run (``what`` names it), or None after exit 0."""
        fields = {**self.result_fields(), "data": data}
        if self.start_error:
            return ActionResult.failure(self.start_error, **fields)
        if self.timed_out:  # attune: exit code -1 and this exact message
            fields["exit_code"] = -1
            return ActionResult.timeout(f"Execution timed out after {_seconds(timeout)} seconds", **fields)
        if self.exit_code != 0:
            return ActionResult.failure(self.exit_error(), **fields)
        return None

    def exit_error(self) -> str:
        """attune's ``error`` for a non-zero exit: stderr when it has at most 5 lines, else its
        last line; ``Command exited with code N`` when stderr is empty (process_executor.rs)."""
        stderr = self.stderr
        if self.stderr_truncated:  # our truncation note is not part of what the action wrote
            stderr = stderr[: stderr.rfind("\n[attune: stderr truncated")]
        if not stderr:
            return f"Command exited with code {self.exit_code}"
        lines = _rust_lines(stderr)
        return (lines[-1] if lines else "") if len(lines) > 5 else stderr


def _seconds(timeout: float | None) -> str:
    """A timeout as attune prints its whole seconds (``1``, not ``1.0``)."""
    if timeout is None:
        return "?"
    return str(int(timeout)) if float(timeout).is_integer() else str(timeout)


def _rust_lines(text: str) -> list[str]:
    """``str::lines()``: split on ``\\n``, drop one trailing ``\\r`` per line, no final empty line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


class _StreamReader(threading.Thread):
    """Read lines from a pipe, log each one live, keep capped copies."""

    def __init__(
        self,
        pipe,
        name: str,
        log: logging.Logger,
        masker: SecretMasker,
        keep: int,
        cap: int,
        log_limit: int | None = None,
    ):
        super().__init__(name=f"attune-{name}-reader", daemon=True)
        self.pipe = pipe
        self.stream = name
        self.log = log
        self.log_limit = log_limit
        self.logged = 0
        self.dropped_bytes = 0
        self.dropped_lines = 0
        self.masker = masker
        self.keep = keep
        self.cap = cap
        self.chunks: list[bytes] = []
        self.kept = 0
        self.total = 0

    def run(self) -> None:
        try:
            for raw in iter(self.pipe.readline, b""):
                self.total += len(raw)
                if self.kept < self.keep:
                    piece = raw[: self.keep - self.kept]
                    self.chunks.append(piece)
                    self.kept += len(piece)
                if self.log_limit is not None and self.logged + len(raw) > self.log_limit:
                    self.dropped_bytes += len(raw)
                    self.dropped_lines += 1
                    continue
                self.logged += len(raw)
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if len(line) > LOG_LINE_LIMIT:
                    line = line[:LOG_LINE_LIMIT] + f" ... [{len(line) - LOG_LINE_LIMIT} more characters]"
                line = self.masker.redact(line)
                self.log.info("[%s] %s", self.stream, line)
        except (OSError, ValueError):  # pipe closed under us while killing
            pass
        finally:
            with contextlib.suppress(OSError):
                self.pipe.close()

    def log_dropped(self) -> None:
        """One line saying how much of this stream the log cap kept out of the task log."""
        if self.dropped_lines:
            self.log.warning(
                "attune: %d bytes (%d lines) of %s not written to the task log: it shows the first "
                "%d bytes ([attune] action_log_max_bytes); the stored result keeps its own capped copy",
                self.dropped_bytes,
                self.dropped_lines,
                self.stream,
                self.log_limit,
            )

    def text(self, limit: int) -> tuple[str, bool]:
        data = b"".join(self.chunks)
        truncated = self.total > limit
        text = self.masker.redact(data[:limit].decode("utf-8", errors="replace"))
        if truncated:
            text += (
                f"\n[attune: {self.stream} truncated: {self.total - limit} of {self.total} bytes not kept]"
            )
        return text, truncated


def _wait_for_exit(proc: subprocess.Popen, timeout: float | None) -> bool:
    """True once the process has exited, False after ``timeout`` seconds.

    ``Popen.wait(timeout=...)`` polls ``waitpid`` with sleeps growing to 50 ms, so a short action
    was noticed up to 50 ms after it ended (about a third of a quick pack action's time in the
    main job's profile). A thread blocks in ``waitpid`` instead and the caller waits on an event.
    """
    exited = threading.Event()

    def reap() -> None:
        with contextlib.suppress(Exception):
            proc.wait()
        exited.set()

    threading.Thread(target=reap, name="attune-reaper", daemon=True).start()
    return exited.wait(timeout)


def _kill_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after ``grace`` seconds."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        pgid = proc.pid  # leader already reaped; its group id was its pid (start_new_session)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if proc.poll() is not None and not _group_alive(pgid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)


def _group_alive(pgid: int) -> bool:
    """Does any non-zombie process of the group still run?

    Orphaned members are reparented and may stay zombies until init reaps them (some
    container inits never do); ``kill(0)`` succeeds on zombies, so /proc is read when present.
    """
    proc_root = Path("/proc")
    if not (proc_root / "self" / "stat").exists():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields after the command: state, ppid, pgrp, ...
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def _write_stdin(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
        pipe.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass  # the child exited or closed stdin without reading it: attune does not fail on that
    finally:
        with contextlib.suppress(OSError, BrokenPipeError, ValueError):
            pipe.close()


def run_process(
    argv: Sequence[str],
    *,
    cwd: str | Path | None,
    env: Mapping[str, str],
    stdin_data: bytes | None,
    timeout: float | None,
    log: logging.Logger,
    masker: SecretMasker,
    keep_full_stdout: bool = False,
    capture_limit: int = CAPTURE_LIMIT,
    kill_grace: float | None = None,
) -> ProcessOutcome:
    """Start ``argv`` in a new session and wait for it (or for ``timeout`` seconds)."""
    kill_grace = KILL_GRACE if kill_grace is None else kill_grace
    log_limit = action_log_limit()  # read before starting: a bad setting fails loudly first
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=str(cwd) if cwd is not None else None,
            env=dict(env),
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return ProcessOutcome(
            exit_code=None,
            stdout="",
            stderr="",
            full_stdout="",
            full_stdout_complete=True,
            stdout_truncated=False,
            stderr_truncated=False,
            timed_out=False,
            duration_ms=int((time.monotonic() - started) * 1000),
            start_error=f"could not start {argv[0]!r}: {exc}",
        )
    keep = PARSE_LIMIT if keep_full_stdout else capture_limit
    out = _StreamReader(proc.stdout, "stdout", log, masker, keep, capture_limit, log_limit)
    err = _StreamReader(proc.stderr, "stderr", log, masker, capture_limit, capture_limit, log_limit)
    threads: list[threading.Thread] = [out, err]
    if stdin_data is not None:
        threads.append(
            threading.Thread(
                target=_write_stdin, args=(proc.stdin, stdin_data), name="attune-stdin", daemon=True
            )
        )
    for thread in threads:
        thread.start()

    timed_out = False
    try:
        if not _wait_for_exit(proc, timeout):
            raise subprocess.TimeoutExpired(proc.args, timeout or 0)
    except subprocess.TimeoutExpired:
        timed_out = True
        log.warning("attune: timeout of %ss reached; killing process group %s", timeout, proc.pid)
        _kill_group(proc, kill_grace)
    except BaseException:  # task killed / KeyboardInterrupt: never leave the group behind
        _kill_group(proc, kill_grace)
        raise
    # the leader is gone; background children may still hold the pipes open
    out.join(LEFTOVER_WAIT)
    err.join(LEFTOVER_WAIT)
    if out.is_alive() or err.is_alive():
        log.warning("attune: process %s exited but its children keep the output open; killing them", proc.pid)
        _kill_group(proc, kill_grace)
    for thread in threads:
        thread.join(kill_grace)
    out.log_dropped()
    err.log_dropped()

    stdout, stdout_truncated = out.text(capture_limit)
    stderr, stderr_truncated = err.text(capture_limit)
    full_stdout = ""
    if keep_full_stdout:
        full_stdout = b"".join(out.chunks).decode("utf-8", errors="replace")
    return ProcessOutcome(
        exit_code=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        full_stdout=full_stdout,
        full_stdout_complete=out.total <= keep,
        stdout_truncated=stdout_truncated,
        stderr_truncated=stderr_truncated,
        timed_out=timed_out,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
