"""`attune-airflow run` outside the test harness: nested workflows, inquiries, Ctrl-C.

Every test runs the real console script in a subprocess (its own AIRFLOW_HOME defaults), the way
a user runs it; nothing of the run is simulated.
"""

from __future__ import annotations

import json
import shlex
import time
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli, start_cli, write

pytestmark = pytest.mark.airflow

LEAF = """
ref: clinest.leaf
parameters:
  n: {type: integer, required: true}
tasks:
  - name: square
    action: core.local
    input:
      cmd: "echo $(( {{ parameters.n }} * {{ parameters.n }} ))"
output_map:
  squared: "{{ task.square.stdout | trim | int }}"
"""

BROKEN_LEAF = """
ref: clinest.broken_leaf
tasks:
  - name: refuse
    action: core.local
    input:
      cmd: "echo leaf refused >&2; exit 3"
"""

MIDDLE = """
ref: clinest.middle
parameters:
  n: {type: integer, required: true}
tasks:
  - name: call_leaf
    type: workflow
    action: clinest.leaf
    input: {n: "{{ parameters.n + 1 }}"}
output_map:
  squared: "{{ task.call_leaf.squared }}"
"""

PARENT = """
ref: clinest.parent
vars:
  child_error: none
tasks:
  - name: deep
    type: workflow
    action: clinest.middle
    input: {n: 2}
    next:
      - when: "{{ succeeded() }}"
        do: [failing]
  - name: failing
    type: workflow
    action: clinest.broken_leaf
    next:
      - when: "{{ failed() }}"
        publish:
          - child_error: "{{ result().error }}"
        do: [handled]
  - name: handled
    action: core.noop
output_map:
  deep: "{{ task.deep.squared }}"
  child_error: "{{ workflow.child_error }}"
"""

MISSING = """
ref: clinest.orphan
tasks:
  - name: call
    type: workflow
    action: clinest.nowhere
"""


@pytest.fixture(scope="module")
def nested_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-nested")
    write(root / "leaf.yaml", LEAF)
    write(root / "broken_leaf.yaml", BROKEN_LEAF)
    write(root / "middle.yaml", MIDDLE)
    write(root / "parent.yaml", PARENT)
    write(root / "orphan" / "orphan.yaml", MISSING)
    return root


# --parallel: the parent waits deferred under an executor, so the CLI runs a triggerer (it hung without)
@pytest.mark.parametrize("mode", ["--serial", "--parallel"])
def test_nested_workflows_run_for_real_to_any_depth(cli_home: Path, nested_folder: Path, mode: str):
    result = run_cli("run", str(nested_folder / "parent.yaml"), "--no-progress", mode, home=cli_home)
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.json()
    assert output["deep"] == 9  # parent -> middle (n=2) -> leaf (n=3): 3 * 3, two levels down
    # the child's own result reaches the parent's failed() handler unchanged, in attune's words
    # (crates/executor/src/scheduler.rs build_workflow_result_payload)
    assert output["child_error"] == "Workflow failed: 1 task(s) failed: refuse", output
    assert output["succeeded"] is True  # failed() handled the child's failure
    assert result.stderr.count("child workflow clinest.") == 3  # middle, leaf, broken_leaf: DAG runs


def test_missing_child_workflow_is_named_before_running(cli_home: Path, nested_folder: Path):
    result = run_cli("run", str(nested_folder / "orphan" / "orphan.yaml"), "--no-progress", home=cli_home)
    assert result.returncode != 0
    assert "'clinest.nowhere'" in result.stderr and "task 'call'" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


INQUIRY = """
ref: cliask.release
parameters:
  what: {type: string, default: release 1.2}
vars:
  note: none
  second: pending
tasks:
  - name: approve
    action: core.echo
    wait_for:
      inquiry: release
      prompt: "Ship {{ parameters.what }}?"
      response_schema:
        note: {type: string}
    input: {message: "{{ inquiry.approve.response.choice }}"}
    next:
      - when: "{{ succeeded() }}"
        publish:
          - note: "{{ inquiry.approve.response.note }}"
        do: [second]
  - name: second
    action: core.noop
    wait_for:
      inquiry: nobody answers this
      timeout: 2
    next:
      - when: "{{ succeeded() }}"
        publish: [{second: answered}]
      - when: "{{ timed_out() }}"
        publish: [{second: timed out}]
        do: [after_timeout]
  - name: after_timeout
    action: core.noop
output_map:
  choice: "{{ task.approve.message }}"
  note: "{{ workflow.note }}"
  second: "{{ workflow.second }}"
"""


@pytest.mark.parametrize("mode", ["--serial", "--parallel"])
def test_inquiry_prompt_respond_from_a_second_terminal_and_timeout(cli_home: Path, tmp_path: Path, mode: str):
    workflow = write(tmp_path / "ask.yaml", INQUIRY)
    run = start_cli("run", str(workflow), "--no-progress", mode, home=cli_home)
    try:
        seen = []
        deadline = time.monotonic() + 300
        command = None
        while command is None and time.monotonic() < deadline:
            line = run.stderr.readline()
            assert line, "run ended before printing the inquiry:\n" + "".join(seen)
            seen.append(line)
            if "answer with:" in line:
                command = shlex.split(line.split("answer with:", 1)[1])
        assert command is not None, "".join(seen)
        assert any("inquiry waiting: Ship release 1.2?" in line for line in seen), "".join(seen)
        assert command[:2] == ["attune-airflow", "respond"] and command[3] == "approve.inquiry"
        answer = json.loads(command[command.index("--json") + 1])
        assert answer == {"choice": "approve", "note": "..."}
        wrong = run_cli(*command[1:4], "--json", '{"choice": "maybe"}', home=cli_home)
        assert wrong.returncode == 2 and "maybe" in wrong.stderr
        answered = run_cli(*command[1:4], "--json", '{"choice": "approve", "note": "go"}', home=cli_home)
        assert answered.returncode == 0, answered.stderr
        stdout, stderr = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, stderr[-3000:]
    assert json.loads(stdout) == {"choice": "approve", "note": "go", "second": "timed out", "succeeded": True}


SLOW = """
ref: clistop.slow
tasks:
  - name: wait
    action: core.local
    with_items: "{{ [1, 2] }}"
    concurrency: 2
    input:
      cmd: "echo $$ >> {pids}; sleep 300"
  - name: never
    action: core.noop
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("mode", ["--serial", "--parallel"])
def test_ctrl_c_stops_the_run_cleanly(cli_home: Path, tmp_path: Path, mode: str):
    import signal
    import sqlite3

    import psutil

    pids = tmp_path / "pids"
    workflow = write(tmp_path / "slow.yaml", SLOW.replace("{pids}", str(pids)))
    run = start_cli("run", str(workflow), "--no-progress", mode, home=cli_home)
    try:
        deadline = time.monotonic() + 300
        while not (pids.exists() and len(pids.read_text().split()) >= (2 if mode == "--parallel" else 1)):
            assert time.monotonic() < deadline, "the actions never started"
            assert run.poll() is None, run.communicate()[1][-3000:]
            time.sleep(0.2)
        started = [int(p) for p in pids.read_text().split()]
        assert started and all(_alive(p) for p in started)
        # everything the CLI started: executor workers, task processes, the forked execution API
        descendants = [child.pid for child in psutil.Process(run.pid).children(recursive=True)]
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, stderr[-3000:]
    assert "interrupted" in stderr and "Traceback" not in stderr, stderr[-3000:]
    time.sleep(1)
    assert not [p for p in started if _alive(p)], "action processes left running"
    assert not [p for p in descendants if _alive(p)], "CLI child processes left running"
    with sqlite3.connect(cli_home / "airflow.db") as db:
        (state,) = db.execute(
            "select state from dag_run where dag_id = 'clistop.slow' order by id desc limit 1"
        ).fetchone()
        unfinished = db.execute(
            "select task_id, map_index, state from task_instance where dag_id = 'clistop.slow' and "
            "state in ('running', 'queued', 'scheduled', 'deferred', 'up_for_retry')"
        ).fetchall()
    assert state == "failed"
    assert unfinished == []


SECRETS = """
ref: clisecret.use
parameters:
  password: {type: string, secret: true, required: true}
  user: {type: string, default: eve}
tasks:
  - name: login
    action: core.echo
    input:
      message: "login {{ parameters.user }} pw={{ parameters.password }} token={{ keystore.api_token }}"
output_map:
  said: "{{ task.login.message }}"
  token: "{{ keystore.api_token }}"
  password: "{{ parameters.password }}"
  user: "{{ parameters.user }}"
"""


def test_secrets_never_appear_in_the_run_log_or_printed_result(cli_home: Path, tmp_path: Path):
    """issue 12 items 4a/4c: secret parameters and keystore values, grepped in the real log file."""
    token, password = "tok-5ecr3t-ZQ81", "pw-h1dden-77XK"
    workflow = write(tmp_path / "secret.yaml", SECRETS)
    result = run_cli(
        "run", str(workflow), "-p", f"password={password}", "--task-logs",
        home=cli_home, extra_env={"AIRFLOW_VAR_API_TOKEN": token},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.json()
    assert output["user"] == "eve" and output["said"].startswith("login eve pw=")
    for secret in (token, password):
        assert secret not in result.stdout
        assert secret not in result.stderr  # --task-logs: Airflow's own output on stderr
    assert output["token"] == "***" and output["password"] == "***"
    # --parallel: executor workers write per-instance task logs (what the UI's Logs tab reads)
    parallel = run_cli(
        "run", str(workflow), "-p", f"password={password}", "--no-progress", "--parallel",
        home=cli_home, extra_env={"AIRFLOW_VAR_API_TOKEN": token, "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"},
    )
    assert parallel.returncode == 0, parallel.stderr[-3000:]
    log_file = Path(parallel.stderr.split("Airflow log: ", 1)[1].split(")", 1)[0])
    task_logs = sorted((cli_home / "logs" / "dag_id=clisecret.use").rglob("task_id=login.run/*.log"))
    assert task_logs, "no per-instance task log written"
    text = "\n".join(path.read_text() for path in [log_file, *task_logs])
    assert "login eve" in text  # the task's output is in the logs ...
    assert token not in text and password not in text  # ... masked
    assert token not in parallel.stdout and password not in parallel.stdout
