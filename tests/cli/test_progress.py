"""The progress line: counts per state and done/total of the biggest mapped tasks."""

from __future__ import annotations

from collections import Counter

from attune_provider.cli.progress import Snapshot, format_line


def test_progress_line_counts_states_and_mapped_tasks():
    snap = Snapshot(
        states=Counter({"success": 805, "running": 4, "failed": 3, "skipped": 2, "scheduled": 194}),
        mapped={"check_health.run": (803, 1000), "notify.run": (2, 3), "tiny.run": (1, 1)},
    )
    line = format_line(snap, 12.34)
    assert line.startswith("[  12.3s] 810/1008 task instances done (")
    assert "805 success, 4 running, 194 scheduled, 3 failed, 2 skipped" in line
    assert line.endswith("| check_health.run: 803/1000 | notify.run: 2/3")


def test_progress_line_is_bounded():
    snap = Snapshot(states=Counter({"success": 1}), mapped={"x" * 300 + ".run": (1, 2)})
    assert len(format_line(snap, 1.0, width=120)) == 120
