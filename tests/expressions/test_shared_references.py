"""Issue 22, point 3: size limits hold on the value being built, not on each render step.

A value small in references (``[s] * 18`` is a list of 18 pointers) used to be materialised
in full when rendered or stored: 540 M characters from a 30 M-character string, 6 GB from a
1 MB seed. Run in a child process so its peak memory is its own (``os.wait4``'s rusage).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from attune_provider.expressions import ExpressionError, render

MAX_RSS_MB = 350  # the 30 M-character seed plus the interpreter; the built value was 540 MB+

CHILD = r"""
import sys
from attune_provider.expressions import ExpressionError, render
for template in sys.argv[1:]:
    try:
        value = render(template, {"x": 1})
    except ExpressionError as exc:
        print("BLOCKED", exc)
    else:
        print("ACCEPTED", type(value).__name__)
"""

TEMPLATES = [
    "{% set s = 'x' * 30000000 %}{% set l = [s] * 18 %}{{ l }}",  # 540 M characters as text
    "{% set s = 'x' * 30000000 %}{{ [s] * 18 }}",  # the same as a native value (stored as JSON)
    "{% set s = 'x' * 1000000 %}{% set a = [s] * 100 %}{% set b = [a] * 100 %}{{ b }}",  # 1 MB seed
]


def test_shared_reference_values_fail_fast_in_bounded_memory(tmp_path) -> None:
    """Failed before the fix: the child built the 540 M-character text (and ran out of memory on
    the 1 MB seed). Now each template is refused, naming the limit, and the child stays small."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out_path, err_path = tmp_path / "out", tmp_path / "err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        child = subprocess.Popen([sys.executable, "-c", CHILD, *TEMPLATES], stdout=out, stderr=err, env=env)
    watchdog = threading.Timer(300, child.kill)
    watchdog.start()
    try:
        _pid, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
    finally:
        watchdog.cancel()
        child.returncode = 0  # reaped above; keep Popen from waiting again
    lines = out_path.read_text().splitlines()
    assert os.waitstatus_to_exitcode(status) == 0, err_path.read_text()[-2000:]
    assert len(lines) == len(TEMPLATES) and all(line.startswith("BLOCKED") for line in lines), lines
    assert all("template_max_length" in line for line in lines), lines
    assert usage.ru_maxrss // 1024 < MAX_RSS_MB, f"child peaked at {usage.ru_maxrss // 1024} MB"


def test_measure_counts_repeated_references_without_building() -> None:
    from attune_provider.expressions.limits import measure

    seed = "x" * 1000
    layer = [seed] * 10
    for _ in range(5):
        layer = [layer] * 10  # 10**6 references to one string: a few hundred bytes of lists
    with pytest.raises(ExpressionError, match="template_max_length"):
        measure(layer)
    assert measure([seed] * 10) == 10 * (1000 + 2 + 2) + 2


def test_ordinary_values_still_render() -> None:
    assert render("{% set a = ['x'] * 3 %}{{ [a, a] | tojson }}", {}) == '[["x", "x", "x"], ["x", "x", "x"]]'
    assert render("{{ {'a': [1, 2]} }}", {}) == {"a": [1, 2]}


def test_measuring_never_enumerates_scope_objects() -> None:
    """The keystore (every Airflow Variable) or a task's lazy result is never read to be measured."""
    from collections.abc import Iterator, Mapping

    from attune_provider.expressions import WorkflowContext

    class Unlistable(Mapping):
        def __getitem__(self, key: str) -> str:
            raise KeyError(key)

        def __iter__(self) -> Iterator[str]:
            raise AssertionError("the keystore was enumerated")

        def __len__(self) -> int:
            return 10**6

    ctx = WorkflowContext(parameters={}, results={}, config={}, keystore=Unlistable())
    assert render("{{ [keystore, keystore] | length }}", ctx) == 2
