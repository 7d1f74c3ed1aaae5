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
output_map:
  ran: "{{ length(task.each) }}"
"""


def _most_at_once(spans: Path) -> int:
    """The largest number of items whose [start, end] intervals overlap at one instant."""
    events = []
    for item in spans.iterdir():
        times = dict(line.split() for line in item.read_text().splitlines())
        events += [(float(times["start"]), 1), (float(times["end"]), -1)]
    running = most = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):  # an end before a start at a tie
        running += step
        most = max(most, running)
    return most


def test_parallel_run_overlaps_items_up_to_concurrency(cli_home: Path, tmp_path: Path):
    spans = tmp_path / "spans"
    spans.mkdir()
    workflow = write(tmp_path / "overlap.yaml", OVERLAP.replace("{spans}", str(spans)))
    stats = tmp_path / "stats.json"
    result = run_cli("run", str(workflow), "--no-progress", "--stats-json", str(stats), home=cli_home)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.json()["ran"] == 6
    assert json.loads(stats.read_text())["mode"] == "parallel"  # 6 known items at concurrency 3
    assert len(list(spans.iterdir())) == 6
    # issue #11 saw one item after another; attune runs up to `concurrency` at once, never more
    assert _most_at_once(spans) == 3


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
    # bounded: handing 1,000 workloads over at once deadlocked on the queues' pipes (main job)
    assert executor.worker_count == 2 and executor.parallelism == SLOTS_PER_WORKER * 2 == 4
    executor.start()
    try:
        assert len(executor.workers) == 2
        executor._check_workers()  # LocalExecutor tops up to `parallelism` workers: still two
        assert len(executor.workers) == 2
    finally:
        executor.end()
