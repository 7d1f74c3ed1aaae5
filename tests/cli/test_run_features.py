"""`attune-airflow run` outside the test harness: nested workflows, inquiries, Ctrl-C, kill -9,
first use of a fresh home.

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


def test_nested_workflows_run_for_real_to_any_depth(cli_home: Path, nested_folder: Path):
    """Child runs are DAG runs of Airflow's scheduler (started for the run: the default for nested
    workflows), the parent waits deferred on Airflow's triggerer."""
    result = run_cli("run", str(nested_folder / "parent.yaml"), "--no-progress", home=cli_home)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "mode: airflow (it runs child workflows)" in result.stderr
    output = result.json()
    assert output["deep"] == 9  # parent -> middle (n=2) -> leaf (n=3): 3 * 3, two levels down
    # the child's own result reaches the parent's failed() handler unchanged, in attune's words
    # (crates/executor/src/scheduler.rs build_workflow_result_payload)
    assert output["child_error"] == "Workflow failed: 1 task(s) failed: refuse", output
    assert output["succeeded"] is True  # failed() handled the child's failure


def test_serial_cannot_run_child_workflows_and_says_so(cli_home: Path, nested_folder: Path):
    result = run_cli("run", str(nested_folder / "parent.yaml"), "--no-progress", "--serial", home=cli_home)
    assert result.returncode == 2  # a usage error, like other argument problems
    assert "--serial cannot run clinest.parent: it runs child workflows" in result.stderr


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


def test_inquiry_prompt_respond_from_a_second_terminal_and_timeout(cli_home: Path, tmp_path: Path):
    """The answer goes through the run's own api-server (public HITL endpoint); the timeout is the
    scheduler's own."""
    workflow = write(tmp_path / "ask.yaml", INQUIRY)
    run = start_cli("run", str(workflow), "--no-progress", home=cli_home)
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


def _wait_for_lines(path: Path, count: int, runs: list) -> list[int]:
    deadline = time.monotonic() + 900  # Airflow's processes start slowly on a loaded machine
    while not (path.exists() and len(path.read_text().split()) >= count):
        assert time.monotonic() < deadline, "the actions never started"
        for run in runs:
            assert run.poll() is None, run.communicate()[1][-3000:]
        time.sleep(0.2)
    return [int(p) for p in path.read_text().split()]


def _run_rows(home: Path, dag_id: str) -> dict[str, tuple[str, str | None]]:
    """run_id -> (state, note) of every run of ``dag_id``."""
    import sqlite3

    with sqlite3.connect(home / "airflow.db", timeout=60) as db:
        rows = db.execute(
            "select r.run_id, r.state, n.content from dag_run r left join dag_run_note n on n.dag_run_id = r.id "
            "where r.dag_id = ?",
            (dag_id,),
        ).fetchall()
    return {run_id: (state, note) for run_id, state, note in rows}


def test_ctrl_c_of_one_run_stops_it_and_never_fails_another(cli_home: Path, tmp_path: Path):
    """issue 20 item 2: before, the interrupted CLI failed every run of the DAG created after it
    started (selected by row id), the other CLI's run included."""
    import signal

    first_pids, second_pids = tmp_path / "first", tmp_path / "second"
    first_flow = write(tmp_path / "a" / "slow.yaml", SLOW.replace("{pids}", str(first_pids)))
    second_flow = write(tmp_path / "b" / "slow.yaml", SLOW.replace("{pids}", str(second_pids)))
    first = start_cli("run", str(first_flow), "--no-progress", "--serial", home=cli_home)
    second = None
    try:
        started = _wait_for_lines(first_pids, 1, [first])
        second = start_cli("run", str(second_flow), "--no-progress", "--serial", home=cli_home)
        others = _wait_for_lines(second_pids, 1, [first, second])
        first.send_signal(signal.SIGINT)
        _, stderr = first.communicate(timeout=120)
        assert first.returncode == 130, stderr[-3000:]
        assert "interrupted" in stderr and "Traceback" not in stderr, stderr[-3000:]
        time.sleep(1)
        assert not [p for p in started if _alive(p)], "action processes left running"
        assert all(_alive(p) for p in others), "the other run's action was stopped"
        rows = _run_rows(cli_home, "clistop.slow")
        failed = [run_id for run_id, (state, _) in rows.items() if state == "failed"]
        running = [run_id for run_id, (state, _) in rows.items() if state == "running"]
        assert len(failed) == 1 and len(running) == 1, rows
        assert "interrupted" in (rows[failed[0]][1] or ""), rows
        second.send_signal(signal.SIGINT)
        second.communicate(timeout=120)
        assert second.returncode == 130
    finally:
        for run in (first, second):
            if run is not None and run.poll() is None:
                run.kill()


def _marked(pid: int) -> list[int]:
    """Processes that carry the run marker of CLI ``pid`` (cli/run_records.py)."""
    import psutil

    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("ATTUNE_CLI_RUN", "").startswith(f"{pid}-"):
                found.append(process.pid)
        except psutil.Error:
            continue
    return found


def test_kill_9_of_a_run_with_airflow_processes_leaves_nothing_and_fails_the_run(tmp_path: Path):
    """issue 20 item 4: before, 7 processes stayed for hours and the DAG run stayed running."""
    import signal

    home = tmp_path / "home"
    pids = tmp_path / "pids"
    workflow = write(tmp_path / "slow.yaml", SLOW.replace("{pids}", str(pids)))
    run = start_cli("run", str(workflow), "--no-progress", "--parallel", home=home)
    try:
        started = _wait_for_lines(pids, 2, [run])
        assert _marked(run.pid), "the run's processes carry no marker"
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    # the components got SIGTERM (parent-death signal); the next command settles the rest
    done = run_cli("gc", "--dry-run", home=home)
    assert done.returncode == 0, done.stderr[-3000:]
    deadline = time.monotonic() + 30
    while (_marked(run.pid) or [p for p in started if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _marked(run.pid) == [], "processes of the killed run are still running"
    assert not [p for p in started if _alive(p)], "action processes left running"
    ((state, note),) = _run_rows(home, "clistop.slow").values()
    assert state == "failed", (state, note)
    assert f"pid {run.pid}" in (note or "") and "died" in (note or ""), note


HELLO = """
ref: clifirst.hello
tasks:
  - name: say
    action: core.local
    input: {cmd: "echo hello"}
output_map:
  said: "{{ task.say.stdout | trim }}"
"""


def test_concurrent_first_runs_on_a_fresh_home_all_succeed(tmp_path: Path):
    """issue 20 item 5: before, 7 of 8 concurrent runs failed creating the database."""
    home = tmp_path / "fresh"
    workflow = write(tmp_path / "hello.yaml", HELLO)
    runs = [start_cli("run", str(workflow), "--no-progress", home=home) for _ in range(4)]
    results = [run.communicate(timeout=600) for run in runs]
    for run, (stdout, stderr) in zip(runs, results, strict=True):
        assert run.returncode == 0, stderr[-3000:]
        assert json.loads(stdout)["said"] == "hello"
    logs = {stderr.split("Airflow log: ", 1)[1].split(")", 1)[0] for _, stderr in results}
    assert len(logs) == 4  # issue 22: one log file per run, even when started in the same second
    assert sorted(state for state, _ in _run_rows(home, "clifirst.hello").values()) == ["success"] * 4


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
    # issue 22: the run's conf (Dag Run Conf view, REST API) holds the secret sealed, never in clear
    import sqlite3

    with sqlite3.connect(cli_home / "airflow.db") as db:
        confs = [str(row[0]) for row in db.execute("select conf from dag_run where dag_id = 'clisecret.use'")]
    assert confs and all(password not in conf for conf in confs), confs
    assert all("attune-sealed:" in conf for conf in confs), confs
    # --parallel: Airflow's task supervisors write per-instance task logs (what the UI's Logs tab reads)
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
