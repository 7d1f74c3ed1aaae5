"""Issue 22 point 4: a numeric overflow is a located error (file:line) that never hides the
other workflows of the folder or pack being loaded."""

from __future__ import annotations

from pathlib import Path

from attune_provider.spec.loader import load_path

GOOD = """\
ref: demo.good
tasks:
  - name: hello
    action: core.echo
"""

HUGE_LITERAL = "ref: demo.huge\nvars:\n  n: " + "9" * 5000 + "\ntasks:\n  - name: t\n    action: core.noop\n"

HUGE_RETRY = """\
ref: demo.retry
tasks:
  - name: t
    action: core.noop
    retry: {count: 100000000000000000000000000000, delay: 5}
"""


def _pack(tmp_path: Path, **workflows: str) -> Path:
    pack = tmp_path / "demo"
    (pack / "workflows").mkdir(parents=True)
    (pack / "actions").mkdir()
    (pack / "pack.yaml").write_text("ref: demo\nlabel: Demo\nversion: 1.0.0\n")
    for name, text in workflows.items():
        (pack / "workflows" / f"{name}.yaml").write_text(text)
    return pack


def test_5000_digit_integer_is_a_located_error_and_the_pack_still_loads(tmp_path: Path) -> None:
    pack = _pack(tmp_path, good=GOOD, huge=HUGE_LITERAL)
    result = load_path(pack)
    assert "demo.good" in result.workflows  # the pack's other workflow is not hidden
    (error,) = result.errors
    assert error.location.file.endswith("huge.yaml") and error.location.line == 3
    assert "5000 characters" in error.message


def test_retry_count_overflow_is_a_located_error(tmp_path: Path) -> None:
    pack = _pack(tmp_path, good=GOOD, retry=HUGE_RETRY)
    result = load_path(pack)
    assert "demo.good" in result.workflows
    (error,) = result.errors
    assert error.location.file.endswith("retry.yaml") and error.location.line == 5
    assert "retry 'count' must be an integer from 1 to 100" in error.message  # attune's RetryConfig range
