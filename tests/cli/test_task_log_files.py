"""The per-instance log tee of serial runs (cli/task_logs.py), with this process's real logging.

The test session logs at WARNING (tests/conftest.py), so the events here are warnings.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest
import structlog


@pytest.fixture
def base_log_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AIRFLOW__LOGGING__BASE_LOG_FOLDER", str(tmp_path))
    return tmp_path


def test_events_of_the_task_and_its_threads_land_in_its_file_masked_as_json(base_log_folder: Path):
    from airflow.sdk.definitions import dag as dag_module
    from airflow.sdk.log import mask_secret

    from attune_provider.cli.task_logs import per_instance_logs, tee_to_task_log, writing_to

    mask_secret("hush-4711-secret")
    go, done = threading.Event(), threading.Event()

    def cli_watcher() -> None:  # a thread of the CLI, alive before the task started
        go.wait(10)
        structlog.get_logger("attune.watcher").warning("watcher noise")
        done.set()

    watcher = threading.Thread(target=cli_watcher, daemon=True)
    watcher.start()
    original = dag_module._run_task
    with per_instance_logs():
        assert dag_module._run_task is not original
        with writing_to("dag_id=d/run_id=r/task_id=t/map_index=2/attempt=3.log") as log_file:
            structlog.get_logger("airflow.task.operators.x").warning(
                "[%s] %s", "stdout", "said hush-4711-secret"
            )
            logging.getLogger("some.library").warning("library says %s", "hi")
            reader = threading.Thread(
                target=lambda: structlog.get_logger("x").warning("[stderr] from a reader")
            )
            reader.start()
            reader.join()
            go.set()
            done.wait(10)
            try:
                raise ValueError("boom")
            except ValueError:
                structlog.get_logger("task").exception("Task failed with exception")
        structlog.get_logger("task").warning("after the task")
    assert dag_module._run_task is original
    assert tee_to_task_log not in structlog.get_config()["processors"]

    path = base_log_folder / "dag_id=d/run_id=r/task_id=t/map_index=2/attempt=3.log"
    assert log_file.path == path
    text = path.read_text(encoding="utf-8")
    assert "hush-4711-secret" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    by_event = {line["event"]: line for line in lines}
    assert set(by_event) == {
        "[stdout] said ***",
        "library says hi",
        "[stderr] from a reader",
        "Task failed with exception",
    }
    assert by_event["library says hi"]["level"] == "warning"
    assert by_event["library says hi"]["logger"] == "some.library"
    assert all(line["timestamp"] for line in lines)
    failure = by_event["Task failed with exception"]
    assert failure["level"] == "error" and failure["exception"][0]["exc_type"] == "ValueError"


def test_a_second_try_appends_to_its_own_file_not_the_first(base_log_folder: Path):
    from attune_provider.cli.task_logs import per_instance_logs, writing_to

    with per_instance_logs():
        for attempt in (1, 2, 2):  # a deferred try resumes into the same file
            with writing_to(f"dag_id=d/task_id=t/attempt={attempt}.log"):
                structlog.get_logger("task").warning(f"try {attempt}")
    first = (base_log_folder / "dag_id=d/task_id=t/attempt=1.log").read_text().splitlines()
    second = (base_log_folder / "dag_id=d/task_id=t/attempt=2.log").read_text().splitlines()
    assert [json.loads(x)["event"] for x in first] == ["try 1"]
    assert [json.loads(x)["event"] for x in second] == ["try 2", "try 2"]


def test_log_path_is_the_executors(base_log_folder: Path):
    """The same renderer ExecuteTask.make uses for workload.log_path, on a task instance row."""
    from types import SimpleNamespace

    from attune_provider.cli.task_logs import relative_log_path

    ti = SimpleNamespace(dag_id="d", run_id="manual__1", task_id="g.run", map_index=4, try_number=2)
    assert relative_log_path(ti) == "dag_id=d/run_id=manual__1/task_id=g.run/map_index=4/attempt=2.log"
    ti.map_index = -1
    assert relative_log_path(ti) == "dag_id=d/run_id=manual__1/task_id=g.run/attempt=2.log"


def test_a_failing_write_is_one_located_warning_and_the_task_goes_on(base_log_folder: Path, capsys):
    from attune_provider.cli.task_logs import per_instance_logs, writing_to

    with per_instance_logs(), writing_to("dag_id=d/task_id=t/attempt=1.log") as log_file:
        log_file.stream.close()  # e.g. the disk went away under the file
        structlog.get_logger("task").warning("first")
        logging.getLogger("some.library").warning("second")
    err = capsys.readouterr().err
    assert err.count("warning: task log ") == 1, err
    assert f"{base_log_folder}/dag_id=d/task_id=t/attempt=1.log: ValueError" in err
