"""`attune-airflow run` through Airflow's own processes: items really overlap, never beyond
``concurrency``, ``concurrency: 1`` keeps item order, and every process uses the configuration the
CLI resolved -- the attune XCom backend included (docs/running.md)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli, write

pytestmark = pytest.mark.airflow

OVERLAP = """
ref: cliparallel.overlap
tasks:
  - name: each
    action: core.local
    with_items: "{{ range(6) | list }}"
    concurrency: 3
    input:
      cmd: "echo start $(date +%s.%N) > {spans}/{{ item }}; sleep 3; echo end $(date +%s.%N) >> {spans}/{{ item }}"
    next:
      - do: [rolling]
  - name: rolling
    action: core.local
    with_items: "{{ ['a', 'b', 'c', 'd'] }}"
    input:
      cmd: "echo start $(date +%s.%N) > {rolled}/{{ item }}; sleep 1; echo end $(date +%s.%N) >> {rolled}/{{ item }}"
output_map:
  ran: "{{ length(task.each) }}"
  rolled: "{{ length(task.rolling) }}"
"""


def _spans(folder: Path) -> dict[str, tuple[float, float]]:
    """item -> (start, end) as the item's action wrote them."""
    spans = {}
    for item in folder.iterdir():
        times = dict(line.split() for line in item.read_text().splitlines())
        spans[item.name] = (float(times["start"]), float(times["end"]))
    return spans


def _most_at_once(folder: Path) -> int:
    """The largest number of items whose [start, end] intervals overlap at one instant."""
    events = []
    for start, end in _spans(folder).values():
        events += [(start, 1), (end, -1)]
    running = most = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):  # an end before a start at a tie
        running += step
        most = max(most, running)
    return most


def test_parallel_run_overlaps_items_up_to_each_tasks_concurrency(cli_home: Path, tmp_path: Path):
    spans, rolled = tmp_path / "spans", tmp_path / "rolled"
    spans.mkdir()
    rolled.mkdir()
    flow = OVERLAP.replace("{spans}", str(spans)).replace("{rolled}", str(rolled))
    workflow = write(tmp_path / "overlap.yaml", flow)
    stats = tmp_path / "stats.json"
    result = run_cli("run", str(workflow), "--no-progress", "--stats-json", str(stats), home=cli_home)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.json()["ran"] == 6 and result.json()["rolled"] == 4
    assert json.loads(stats.read_text())["mode"] == "airflow"  # 6 known items at concurrency 3
    assert len(list(spans.iterdir())) == 6
    # issue #11 saw one item after another; attune runs up to `concurrency` at once, never more
    assert _most_at_once(spans) == 3
    # then, with all 3 workers free, the default concurrency 1 still means one by one in item order
    assert _most_at_once(rolled) == 1
    assert sorted(_spans(rolled), key=lambda item: _spans(rolled)[item][0]) == ["a", "b", "c", "d"]
    # issue 20 item 3: the task processes used the attune XCom backend though nobody exported
    # AIRFLOW__CORE__XCOM_BACKEND (before, parallel workers fell back to BaseXCom: inline rows)
    with sqlite3.connect(cli_home / "airflow.db") as db:
        values = [
            str(value)
            for (value,) in db.execute(
                "select value from xcom where dag_id = 'cliparallel.overlap' and key = 'return_value' "
                "and run_id = ?",
                (json.loads(stats.read_text())["run_id"],),
            )
        ]
    assert values and all("__attune_ref__" in value for value in values), values[:3]
