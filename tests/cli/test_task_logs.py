"""Every task instance try of an ``attune-airflow run`` has its own log where Airflow's reader finds it.

The real console script runs a small workflow (a mapped task, a task that fails once and is
retried, a secret parameter) in a subprocess; then Airflow's own ``TaskLogReader`` -- what the
api-server's Logs tab calls -- reads each try from the same home (issue 14 item 2).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import cli_env, run_cli, write

pytestmark = pytest.mark.airflow

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-l0gs-S3cret-91QZ"

TRIES = """
ref: clilogs.tries
parameters:
  names: {type: array, default: [ada, grace]}
  password: {type: string, secret: true, required: true}
  marker: {type: string, required: true}
tasks:
  - name: greet
    action: core.local
    with_items: "{{ parameters.names }}"
    input:
      cmd: "echo hello {{ item }} pw={{ parameters.password }}; echo note-{{ item }} >&2"
    next:
      - when: "{{ succeeded() }}"
        do: [flaky]
  - name: flaky
    action: core.local
    retry: {count: 1, delay: 0}
    input:
      cmd: >-
        if [ -e {{ parameters.marker }} ]; then echo second-try-ok;
        else touch {{ parameters.marker }}; echo first-try-fails >&2; exit 4; fi
output_map:
  said: "{{ task.flaky.stdout | trim }}"
"""


def read_logs(home: Path, dag_id: str, run_id: str) -> dict[str, dict]:
    """What Airflow's log reader returns for each ``task[map_index]#try`` of the run."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.cli.read_task_logs", str(home), dag_id, run_id],
        env=cli_env(home),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def events(found: dict, key: str) -> list[str]:
    return [str(m.get("event")) for m in found[key]["messages"]]


def run_id_of(home: Path, dag_id: str) -> str:
    import sqlite3

    with sqlite3.connect(home / "airflow.db") as db:
        rows = db.execute(
            "select run_id from dag_run where dag_id = ? order by id desc", (dag_id,)
        ).fetchall()
    return rows[0][0]


def test_each_try_of_each_instance_has_its_own_masked_log(tmp_path: Path):
    """With Airflow's own processes (--parallel) the task supervisors write them (in-process
    dag.test() writes task output to the run's log only: docs/running.md)."""
    home = tmp_path / "home"
    workflow = write(tmp_path / "tries.yaml", TRIES)
    result = run_cli(
        "run",
        str(workflow),
        "-p",
        f"password={PASSWORD}",
        "-p",
        f"marker={tmp_path / 'marker'}",
        "--no-progress",
        "--parallel",
        home=home,
        extra_env={"AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.json()["said"] == "second-try-ok"
    found = read_logs(home, "clilogs.tries", run_id_of(home, "clilogs.tries"))

    # one log per try, mapped instances each their own, the failed first try kept beside the retry
    for key in ("greet.run[0]#1", "greet.run[1]#1", "flaky.run[-1]#1", "flaky.run[-1]#2"):
        assert key in found, sorted(found)
        sources = [m["event"] for m in found[key]["messages"][:3]]
        assert not any("Could not read served logs" in str(e) for e in events(found, key)), sources
        assert any(str(s).endswith(".log") and str(home / "logs") in str(s) for s in sources), sources
    ada, grace = events(found, "greet.run[0]#1"), events(found, "greet.run[1]#1")
    assert "[stdout] hello ada pw=***" in ada and "[stderr] note-ada" in ada
    assert "[stdout] hello grace pw=***" in grace
    assert not any("grace" in e for e in ada), "another instance's output leaked into this log"
    assert "[stderr] first-try-fails" in events(found, "flaky.run[-1]#1")
    assert "[stdout] second-try-ok" in events(found, "flaky.run[-1]#2")
    assert not any("first-try-fails" in e for e in events(found, "flaky.run[-1]#2"))
    # levels and timestamps as the UI shows them
    line = next(
        m for m in found["greet.run[0]#1"]["messages"] if m.get("event") == "[stdout] hello ada pw=***"
    )
    assert line["level"] == "info" and line["timestamp"]
    # the secret never reaches a task log file
    files = sorted((home / "logs" / "dag_id=clilogs.tries").rglob("*.log"))
    assert len(files) >= 4
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert PASSWORD not in text, path
        for raw in text.splitlines():
            assert json.loads(raw)["event"] is not None  # JSON lines, as the supervisor writes
