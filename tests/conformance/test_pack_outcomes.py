"""A pack action's outcome fields as attune's worker sets them.

Found by running attune's real core pack scripts (``packs/core/actions/http_request.sh``,
``generate_ssh_key_pair.py``) through the provider. Expected values come from
``crates/worker/src/runtime/process_executor.rs`` (``execute_streaming_cancellable`` and
``parse_output``) in github.com/attune-system/attune:

* non-zero exit: ``error`` is stderr when it has at most 5 lines, else its last line, and
  ``Command exited with code N`` when stderr is empty;
* timeout: ``exit_code`` -1 and ``error`` ``Execution timed out after N seconds``;
* ``output_format: jsonl``: every stdout line that is JSON becomes an item, other lines are
  skipped (here: skipped with a warning in the task log).

The scripts in ``packs/qaprobe`` are minimal stand-ins written for these tests; each names the
attune file whose pattern it reproduces.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from attune_provider.actions import ActionRegistry

PACKS = Path(__file__).resolve().parent / "packs"


@pytest.fixture(scope="module")
def registry() -> ActionRegistry:
    return ActionRegistry(packs_folders=[PACKS])


def test_failed_action_error_is_its_stderr(registry):
    result = registry.resolve("qaprobe.fail_json").run({"lines": 2, "code": 3})
    assert result.outcome == "failed" and result.exit_code == 3
    assert result.error == "ERROR: problem 1\nERROR: problem 2\n"
    assert result.data is None  # attune parses output only on exit 0


def test_failed_action_with_long_stderr_reports_its_last_line(registry):
    result = registry.resolve("qaprobe.fail_json").run({"lines": 6})
    assert result.error == "ERROR: problem 6"
    assert result.stderr.count("ERROR: problem") == 6  # stderr itself is kept whole


def test_failed_action_without_stderr_says_the_exit_code(registry):
    result = registry.resolve("qaprobe.silent_fail").run({})
    assert result.outcome == "failed" and result.exit_code == 1
    assert result.error == "Command exited with code 1"
    assert '"Failed to connect to host"' in result.stdout


def test_timeout_exit_code_and_message(registry):
    result = registry.resolve("qaprobe.hang").run({})  # timeout_seconds: 1
    assert result.outcome == "timed_out"
    assert result.exit_code == -1
    assert result.error == "Execution timed out after 1 seconds"
    assert "started" in result.stdout


def test_jsonl_skips_lines_that_are_not_json_and_says_so(registry, caplog):
    log = logging.getLogger("attune.test.conformance.jsonl")
    with caplog.at_level(logging.INFO, logger=log.name):
        result = registry.resolve("qaprobe.progress_lines").run({}, log=log)
    assert result.succeeded, result.error
    assert result.data == [{"i": 1}, {"i": 2}]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("line 2" in w and "not JSON" in w for w in warnings), warnings


def test_dotenv_reader_of_attunes_http_request_runs_unchanged(registry):
    """Matched on the first probe; kept so the pattern stays working."""
    result = registry.resolve("qaprobe.dotenv_reader").run(
        {"url": "http://127.0.0.1:1/x?a=1", "headers": {"X-Trace": "t 1", "Accept": "a/b"}}
    )
    assert result.succeeded, result.error
    assert result.data == {
        "url": "http://127.0.0.1:1/x?a=1",
        "retries": "2",
        "headers": "Accept:a/b;X-Trace:t 1;",  # sorted dotted keys, as attune writes them
    }
