"""Parallel `attune-airflow run`: items really overlap, never beyond ``concurrency``, and the
machinery behind it (the forked execution API, the LocalExecutor subclass) starts, fails loudly
and stops as it should (docs/running.md)."""

from __future__ import annotations

import json
import socket
import urllib.request
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
    assert json.loads(stats.read_text())["mode"] == "parallel"  # 6 known items at concurrency 3
    assert len(list(spans.iterdir())) == 6
    # issue #11 saw one item after another; attune runs up to `concurrency` at once, never more
    assert _most_at_once(spans) == 3
    # then, with all 3 workers free, the default concurrency 1 still means one by one in item order
    assert _most_at_once(rolled) == 1
    assert sorted(_spans(rolled), key=lambda item: _spans(rolled)[item][0]) == ["a", "b", "c", "d"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_execution_api_process_serves_then_stops(monkeypatch):
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "test-secret-for-the-forked-execution-api")
    from attune_provider.cli.execution_api import ExecutionApiProcess

    url = f"http://127.0.0.1:{_free_port()}/execution/"
    api = ExecutionApiProcess(url).start()
    try:
        api.wait_ready()
        with urllib.request.urlopen(url + "health", timeout=30) as response:
            assert response.status == 200
    finally:
        api.stop()
    assert api.exited()
    with pytest.raises(OSError):  # nothing listens any more
        urllib.request.urlopen(url + "health", timeout=5)


def test_execution_api_that_cannot_start_is_a_loud_error():
    from attune_provider.cli.errors import CliError
    from attune_provider.cli.execution_api import ExecutionApiProcess

    with socket.socket() as taken:  # the port is bound (not listening): the server cannot bind it
        taken.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{taken.getsockname()[1]}/execution/"
        api = ExecutionApiProcess(url).start()
        try:
            with pytest.raises(CliError, match=r"Task Execution API at http://127\.0\.0\.1:\d+/execution/ did not start"):
                api.wait_ready()
        finally:
            api.stop()


def test_cli_executor_keeps_its_workers_and_queues_one_more_item_each():
    from attune_provider.cli.cli_executor import SLOTS_PER_WORKER, CliLocalExecutor

    executor = CliLocalExecutor(parallelism=2)
    # bounded: hundreds of workloads handed over deadlocked on the queues' pipes (main job)
    assert executor.worker_count == 2 and executor.dispatch_slots == SLOTS_PER_WORKER * 2 == 4
    executor.start()
    try:
        assert len(executor.workers) == 2
        executor._check_workers()  # LocalExecutor tops up to `parallelism` workers: still two
        assert len(executor.workers) == 2
    finally:
        executor.end()


IN_ORDER = """
ref: cliorder.rolling
tasks:
  - name: deploy
    action: core.local
    with_items: "{{ ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] }}"
    input:
      cmd: "echo {{ item }} >> {log}"
output_map:
  deployed: "{{ task.deploy | map(attribute='stdout') | list }}"
"""


def test_serial_run_keeps_item_order_at_concurrency_1(cli_home: Path, tmp_path: Path):
    log = tmp_path / "deployed.txt"
    workflow = write(tmp_path / "rolling.yaml", IN_ORDER.replace("{log}", str(log)))
    result = run_cli("run", str(workflow), "--no-progress", home=cli_home)
    assert result.returncode == 0, result.stderr[-3000:]
    # attune (concurrency 1, the default): one by one in item order; dag.test() alone runs them in
    # set order (tests/runtime/test_item_order.py)
    assert log.read_text().split() == list("abcdefgh")
