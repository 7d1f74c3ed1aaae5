"""Every action kind inside ONE real Airflow run (dag.test()): task states and XCom results.

A plain ``airflow.sdk`` DAG whose @task functions resolve and run actions through the
registry with the running task's context (wiring actions into compiled attune DAGs is the
compiler's job and is tested there).
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pendulum
import pytest

from tests.actions.conftest import PACKS, TEST_PACK, CollectingHandler
from tests.actions.helpers import wait_gone

pytestmark = pytest.mark.airflow

DAG_ID = "attune_actions_all_kinds"
SECRET = "dag-secret-VALUE-0042"
WORKFLOW_SECRET = "workflow-param-SECRET-0099"

#: DAGs built by this module; dag.test() only runs DAGs its bundle sync finds in the DAG folder,
#: so a tiny DAG file hands these in-memory objects to the DagBag (same trick as tests/runtime)
DAGS: dict[str, Any] = {}
DAG_FILE = """\
# airflow DAG file written by tests/actions/test_actions_dag.py: exposes the in-memory DAG to dag.test().
from tests.actions.test_actions_dag import DAGS

globals().update(DAGS)
"""


class _Json(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"path": self.path, "ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _xcoms(dag_id: str, run_id: str) -> dict[str, Any]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from attune_provider.store.lazy import to_plain
    from attune_provider.xcom import AttuneXComBackend

    with create_session() as session:
        rows = session.scalars(
            select(XComModel).where(
                XComModel.dag_id == dag_id, XComModel.run_id == run_id, XComModel.key == "return_value"
            )
        ).all()
        return {row.task_id: to_plain(AttuneXComBackend.deserialize_value(row)) for row in rows}


def _states(dag_id: str, run_id: str) -> dict[str, str]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
        ).all()
        return {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in tis}


@pytest.fixture(scope="module")
def dag_run(airflow_db, tmp_path_factory):
    from airflow.sdk import DAG, Param, get_current_context, task
    from airflow.sdk.exceptions import AirflowException

    from attune_provider.actions import ActionRegistry

    registry = ActionRegistry(packs_folders=[PACKS], pack_entry_point_group=None)
    work = tmp_path_factory.mktemp("dag-actions")
    pid_file = work / "grandchild.pid"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Json)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/items?x=1"

    def run(ref: str, params: dict, **kw) -> dict:
        result = registry.resolve(ref).run(params, context=get_current_context(), **kw)
        return result.to_dict()

    # a workflow parameter marked secret, as the compiler declares it (format: password)
    params = {"api_key": Param(WORKFLOW_SECRET, type="string", format="password")}
    with DAG(
        DAG_ID, schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, params=params
    ) as dag:

        @task
        def pack_python() -> dict:
            return run("acttest.report", {"message": "from airflow", "count": 1})

        @task
        def pack_shell() -> dict:
            return run("acttest.greet", {"name": "dag"})

        @task
        def pack_failing() -> dict:
            return run("acttest.fail", {"code": 3})

        @task
        def pack_timeout() -> dict:
            return run("acttest.hang", {"pid_file": str(pid_file)}, timeout=1)

        @task
        def pack_secret() -> dict:
            return run("acttest.secret_echo", {"user": "eve", "token": SECRET})

        @task
        def pack_readline() -> dict:
            return run("acttest.readline", {"name": "py", "tags": ["a", "b c"]})

        @task
        def pack_oneline() -> dict:
            return run("acttest.oneline", {"name": "sh", "nested": {"k": [1, 2]}})

        @task
        def workflow_secret() -> dict:
            key = get_current_context()["params"]["api_key"]
            return run("core.echo", {"message": f"calling with {key}"})

        @task
        def core_echo() -> dict:
            return run("core.echo", {"message": "hello from core"})

        @task
        def core_http() -> dict:
            return run("core.http_request", {"url": url})

        @task
        def python_callable() -> dict:
            return run("tests.actions.sample_callables:add", {"a": 20, "b": 22})

        @task
        def airflow_operator() -> dict:
            return run(
                "airflow:airflow.providers.standard.operators.bash.BashOperator",
                {"bash_command": 'echo "dag=$AIRFLOW_CTX_DAG_ID task=$AIRFLOW_CTX_TASK_ID"'},
            )

        @task
        def strict_failure() -> dict:
            """A task that turns a failed action into a failed task instance."""
            result = registry.resolve("acttest.fail").run({"code": 9}, context=get_current_context())
            if not result.succeeded:
                raise AirflowException(result.error)
            return result.to_dict()

        for make in (
            pack_python,
            pack_shell,
            pack_failing,
            pack_timeout,
            pack_secret,
            pack_readline,
            pack_oneline,
            workflow_secret,
            core_echo,
            core_http,
            python_callable,
            airflow_operator,
            strict_failure,
        ):
            make()

    DAGS[DAG_ID] = dag
    (airflow_db / "dags" / "attune_test_actions_dag.py").write_text(DAG_FILE)
    # what the actions write to the task logger ("airflow.task"), as the task log receives it
    task_logger = logging.getLogger("airflow.task")
    collected = CollectingHandler()
    task_logger.addHandler(collected)
    previous_level = task_logger.level
    task_logger.setLevel(logging.INFO)
    try:
        dagrun = dag.test()
    finally:
        task_logger.removeHandler(collected)
        task_logger.setLevel(previous_level)
    httpd.shutdown()
    httpd.server_close()
    return {
        "dagrun": dagrun,
        "states": _states(DAG_ID, dagrun.run_id),
        "xcoms": _xcoms(DAG_ID, dagrun.run_id),
        "pid_file": pid_file,
        "log": collected.lines,
    }


def test_task_states(dag_run):
    states = dag_run["states"]
    assert states.pop("strict_failure") == "failed"
    assert set(states.values()) == {"success"}, states
    assert len(states) == 12


def test_pack_actions_in_a_task(dag_run):
    xcoms = dag_run["xcoms"]
    report = xcoms["pack_python"]
    assert report["succeeded"] is True and report["outcome"] == "succeeded" and report["exit_code"] == 0
    assert report["data"]["params"]["message"] == "from airflow"
    exec_id = report["data"]["env"]["ATTUNE_EXEC_ID"]
    assert exec_id.startswith(f"{DAG_ID}/{dag_run['dagrun'].run_id}/pack_python/")  # the task instance's id
    assert Path(report["data"]["cwd"]) == TEST_PACK.resolve()
    assert xcoms["pack_shell"]["data"]["greeting"] == "hello dag!"
    failing = xcoms["pack_failing"]
    assert failing["outcome"] == "failed" and failing["exit_code"] == 3
    assert "something went wrong (code 3)" in failing["stderr"]
    timed = xcoms["pack_timeout"]
    assert timed["outcome"] == "timed_out" and timed["succeeded"] is False
    assert wait_gone(int(dag_run["pid_file"].read_text()))
    secret = xcoms["pack_secret"]
    assert secret["succeeded"] and SECRET not in secret["stdout"] + secret["stderr"]
    assert "uses token ***" in secret["stdout"]


def test_attune_packs_reading_one_stdin_line_run_unchanged(dag_run):
    """Issue 10 item 1: scripts written for attune's worker (one compact JSON line on stdin)."""
    xcoms = dag_run["xcoms"]
    python = xcoms["pack_readline"]
    assert python["succeeded"], python["error"]
    assert python["data"] == {"greeting": "hello py", "tags": ["a", "b c"], "rest": ""}
    shell = xcoms["pack_oneline"]
    assert shell["succeeded"], shell["error"]
    assert shell["data"] == {"name": "sh", "line_count": 1}
    assert 'one line: {"name":"sh","nested":{"k":[1,2]}}' in shell["stderr"]


def test_workflow_parameter_marked_secret_is_masked_in_result_and_log(dag_run):
    """Issue 12 item 4a: the value flows into plain action input; stored and logged masked."""
    echoed = dag_run["xcoms"]["workflow_secret"]
    assert echoed["data"] == {"message": "calling with ***"}
    assert WORKFLOW_SECRET not in json.dumps(echoed)
    assert not [line for line in dag_run["log"] if WORKFLOW_SECRET in line]


def test_other_kinds_in_a_task(dag_run):
    xcoms = dag_run["xcoms"]
    assert xcoms["core_echo"]["data"] == {"message": "hello from core"}
    http = xcoms["core_http"]
    assert http["succeeded"] and http["data"]["status_code"] == 200
    assert http["data"]["json"] == {"path": "/items?x=1", "ok": True}  # body is the text
    assert xcoms["python_callable"]["data"] == {"sum": 42}
    operator = xcoms["airflow_operator"]
    assert operator["succeeded"], operator["error"]
    assert operator["data"] == f"dag={DAG_ID} task=airflow_operator"  # ran with the task's context
    assert "strict_failure" not in xcoms


def test_process_output_and_secrets_in_the_task_log(dag_run):
    lines = dag_run["log"]
    assert "[stdout] user eve uses token ***" in lines  # streamed stdout, masked
    assert "[stderr] debug token=***" in lines
    assert not [line for line in lines if SECRET in line]
    assert "hello dag" not in lines and any("greeting dag 1 time(s)" in line for line in lines)
    assert any(line.startswith("attune: running pack action acttest.report") for line in lines)
