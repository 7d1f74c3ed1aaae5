"""docs/running.md, "Run it like production, on one machine": the commands run as written, and
`attune-airflow run` beside them hands its run to that scheduler instead of executing it.

issue 20 items 1 and 6: before, the CLI ran dag.test() while the scheduler ran the same task
instances (the 20-server health check sent 39 requests), and no doc said how to run the deployment
on one machine. The commands are read from the doc, so the doc cannot go stale; the CLI's own
``airflow`` mode must start exactly the same commands with the same settings.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from attune_provider.cli.components import COMMANDS, component_env
from tests.cli.conftest import cli_env, run_cli, write

DOC = Path(__file__).resolve().parents[2] / "docs" / "running.md"
HEADING = "## Run it like production, on one machine"

COUNTED = """
ref: clideploy.count
parameters:
  out: {type: string, required: true}
tasks:
  - name: each
    action: core.local
    with_items: "{{ ['a', 'b', 'c', 'd'] }}"
    input:
      cmd: "echo {{ item }} >> {{ parameters.out }}; echo {{ item }}"
output_map:
  ran: "{{ length(task.each) }}"
"""


def documented() -> tuple[dict[str, str], list[list[str]]]:
    """(exported settings, commands) of the doc's first bash block after the heading."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(HEADING) :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, f"{DOC}: no bash block under {HEADING!r}"
    settings: dict[str, str] = {}
    commands: list[list[str]] = []
    for line in block.group(1).splitlines():
        line = line.strip()
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            settings[key] = value
        elif line:
            commands.append(line.rstrip("&").split())
    return settings, commands


def test_the_cli_starts_exactly_the_documented_commands_and_settings():
    settings, commands = documented()
    assert commands[0] == ["airflow", "db", "migrate"]
    assert [tuple(c) for c in commands[1:]] == list(COMMANDS)
    env = component_env({}, 8080, 2)
    cli_sets = {"AIRFLOW_HOME", "AIRFLOW__CORE__XCOM_BACKEND", "AIRFLOW__CORE__LOAD_EXAMPLES"}
    # the airflow mode keeps new DAGs paused: it unpauses its own for the run, then pauses them
    # again, so its scheduler never picks up another CLI's in-process run of a DAG
    cli_sets.add("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION")
    missing = sorted(set(settings) - set(env) - cli_sets)
    assert missing == [], f"documented but not set by the airflow mode: {missing}"
    for key in set(settings) - cli_sets - {"AIRFLOW__API_AUTH__JWT_SECRET"}:
        assert env[key] == settings[key], key


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scheduler_heartbeats(home: Path) -> bool:
    try:
        with sqlite3.connect(home / "airflow.db", timeout=30) as db:
            row = db.execute(
                "select count(*) from job where job_type = 'SchedulerJob' and state = 'running'"
            ).fetchone()
    except sqlite3.Error:
        return False
    return bool(row and row[0])


@pytest.mark.integration
def test_a_run_beside_the_documented_deployment_is_executed_by_its_scheduler_once(tmp_path: Path):
    settings, commands = documented()
    home = tmp_path / "home"
    home.mkdir()
    port = str(_free_port())
    env = cli_env(home)
    for key, value in settings.items():
        value = value.replace("$HOME/airflow", str(home)).replace("8080", port)
        env[key] = value
    env["AIRFLOW_HOME"] = str(home)
    # other jobs share this machine: the log servers on free ports too
    env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(_free_port())
    env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"] = str(_free_port())
    airflow = str(Path(sys.executable).with_name("airflow"))
    log = open(tmp_path / "deployment.log", "wb")  # noqa: SIM115 (closed in finally)
    migrate = subprocess.run([airflow, *commands[0][1:]], env=env, stdout=log, stderr=subprocess.STDOUT)
    assert migrate.returncode == 0, (tmp_path / "deployment.log").read_text()[-3000:]
    processes = [
        subprocess.Popen([airflow, *command[1:]], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for command in commands[1:]
    ]
    try:
        deadline = time.monotonic() + 300
        while not _scheduler_heartbeats(home):
            assert time.monotonic() < deadline, "the documented scheduler never heartbeat"
            assert all(p.poll() is None for p in processes), (tmp_path / "deployment.log").read_text()[-3000:]
            time.sleep(1)
        out = tmp_path / "ran.txt"
        workflow = write(tmp_path / "count.yaml", COUNTED)
        result = run_cli(
            "run", str(workflow), "-p", f"out={out}", "--no-progress", home=home, extra_env=env, timeout=600
        )
        assert result.returncode == 0, result.stderr[-3000:] + (tmp_path / "deployment.log").read_text()[-3000:]
        assert "mode: deployment" in result.stderr, result.stderr[-2000:]
        assert result.json()["ran"] == 4
        # each task instance ran once: by the scheduler, not a second time by the CLI
        assert sorted(out.read_text().split()) == ["a", "b", "c", "d"]
    finally:
        for process in processes:
            with_group = os.getpgid(process.pid) if process.poll() is None else None
            if with_group is not None:
                os.killpg(with_group, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
    run_rows = sqlite3.connect(home / "airflow.db").execute(
        "select run_id, state from dag_run where dag_id = 'clideploy.count'"
    ).fetchall()
    assert len(run_rows) == 1 and run_rows[0][1] == "success", run_rows
    assert run_rows[0][0].startswith("attune_cli__")  # the run id the CLI made is the only run
