"""A real Airflow api-server with a stored attune run, driven by headless system Chromium.

Setup, as a user would do it: ``attune-airflow run`` the health-check example against a local
HTTP server (which creates AIRFLOW_HOME, the SQLite DB, the store and the DAG file), then start
``airflow api-server`` (SimpleAuthManager, known admin password) on 127.0.0.1 in the same home.
The browser is Debian's ``/usr/bin/chromium`` with ``/usr/bin/chromedriver`` (installed by
``scripts/setup.d/20-chromium.sh``); nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PASSWORD = "attune-browser-test"
WORKFLOW_REF = "examples.health_check_servers"
SERVER_COUNT = 6
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1500,1000",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(home: Path) -> dict[str, str]:
    """Clean Airflow environment for one home (the pytest process's own settings removed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_HOME"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        AIRFLOW__API_AUTH__JWT_SECRET="attune-browser-" + "0123456789abcdef" * 4,
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
        AIRFLOW__CORE__XCOM_BACKEND="attune_provider.xcom.AttuneXComBackend",
    )
    return env


@dataclass
class StoredRun:
    home: Path
    dag_id: str
    run_id: str
    result: dict


@pytest.fixture(scope="session")
def browser_available() -> None:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("system chromium/chromedriver missing: run scripts/setup.d/20-chromium.sh")
    pytest.importorskip("selenium")


@pytest.fixture(scope="session")
def stored_run(browser_available, tmp_path_factory) -> StoredRun:
    """The README's path: deploy (loader file, workflows folder), ``attune-airflow run``, nothing else.

    No ``airflow dags reserialize``: what the api-server then shows is what the CLI run left.
    """
    from examples.servers.health_server import HealthServer

    home = tmp_path_factory.mktemp("browser-airflow-home")
    (home / "simple_auth_manager_passwords.json.generated").write_text(json.dumps({"admin": PASSWORD}))
    deploy_as_the_readme_says(home)
    script = Path(sys.executable).with_name("attune-airflow")
    with HealthServer() as health:
        done = subprocess.run(
            [
                str(script),
                "run",
                str(home / "attune" / "examples"),
                "--ref",
                WORKFLOW_REF,
                "-p",
                f"base_url={health.base_url}",
                "-p",
                f"server_count={SERVER_COUNT}",
                "--no-progress",
            ],
            # Airflow's default level (the servers here log at WARNING): task logs keep INFO lines
            env={**server_env(home), "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"},
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert done.returncode == 0, done.stderr[-4000:]
    with sqlite3.connect(home / "airflow.db") as db:
        (run_id,) = db.execute("select run_id from dag_run where dag_id = ?", (WORKFLOW_REF,)).fetchone()
    return StoredRun(home, WORKFLOW_REF, run_id, json.loads(done.stdout))


#: issue 23's story workflow (a handled item failure, a secret, a required enum), run by a scheduler
STORY_FILE = REPO_ROOT / "tests" / "plugins" / "workflows" / "ui_story.yaml"
STORY_DAG = "ui_story"
STORY_SECRET = "browser-st0ry-secret-8812"

BROKEN_FILE = "broken_health.yaml"
BROKEN_LINE = 7
BROKEN_WORKFLOW = """version: "1.0"
description: a workflow with a located load error (tasks must be a list)
parameters:
  target:
    type: string
    description: where to send
tasks: "check everything"
"""


def deploy_as_the_readme_says(home: Path) -> None:
    """The deployment's loader file in the DAGs folder; the examples pack and a broken workflow
    in the workflows folder (``[attune] workflows_folder`` = ``$AIRFLOW_HOME/attune``)."""
    workflows = home / "attune"
    shutil.copytree(
        REPO_ROOT / "examples" / "packs" / "examples",
        workflows / "examples",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (workflows / BROKEN_FILE).write_text(BROKEN_WORKFLOW, encoding="utf-8")
    shutil.copy(STORY_FILE, workflows / STORY_FILE.name)
    (home / "dags").mkdir(exist_ok=True)
    shutil.copy(REPO_ROOT / "dags" / "attune_dags.py", home / "dags" / "attune_dags.py")


def deployment_dag_ids(home: Path) -> set[str]:
    """The DAG ids the deployment's loader defines, as a DAG processor would parse them."""
    script = (
        "import sys; from airflow.dag_processing.dagbag import DagBag; "
        "bag = DagBag(dag_folder=sys.argv[1]); print('DAG IDS:', *sorted(bag.dag_ids))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(home / "dags" / "attune_dags.py")],
        env=server_env(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("DAG IDS:"))
    return set(line.split()[2:])


@pytest.fixture(scope="session")
def api_server(stored_run: StoredRun) -> Iterator[str]:
    port = _free_port()
    log = (stored_run.home / "api-server.log").open("w")
    airflow = Path(sys.executable).with_name("airflow")
    process = subprocess.Popen(
        [str(airflow), "api-server", "--host", "127.0.0.1", "--port", str(port)],
        env=server_env(stored_run.home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                raise AssertionError(f"api-server exited {process.returncode}: see {log.name}")
            try:
                with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"api-server did not come up within 240 s: see {log.name}")
            time.sleep(1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser(browser_available) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="attune-chromium-")
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(120)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@dataclass
class SchedulerRun:
    dag_id: str
    run_id: str
    state: str


def api_token(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/auth/token",
        data=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["access_token"]


def api_call(base: str, token: str, path: str, method: str = "GET", body: dict | None = None) -> dict:
    request = urllib.request.Request(
        base + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture(scope="session")
def scheduler_run(stored_run: StoredRun, api_server: str) -> SchedulerRun:
    """The story workflow triggered through the REST API and run by a real ``airflow scheduler``
    (LocalExecutor, tasks talk to the api-server's execution API); the scheduler is stopped
    once the run is done, so later tests' triggered runs stay queued."""
    token = api_token(api_server)
    for dag in api_call(api_server, token, "/api/v2/dags?limit=100")["dags"]:
        # only the story runs: runs other tests trigger (the trigger form's) stay queued
        paused = dag["dag_id"] != STORY_DAG
        api_call(api_server, token, f"/api/v2/dags/{dag['dag_id']}", "PATCH", {"is_paused": paused})
    run = api_call(
        api_server, token, f"/api/v2/dags/{STORY_DAG}/dagRuns", "POST",
        {"logical_date": None, "conf": {"token": STORY_SECRET}},
    )
    log = (stored_run.home / "scheduler.log").open("w")
    airflow = Path(sys.executable).with_name("airflow")
    env = {
        **server_env(stored_run.home),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_server}/execution/",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        # a busy 2-core machine answers slowly: Airflow's 5 s default failed a task before it ran
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
        "AIRFLOW__WORKERS__EXECUTION_API_RETRIES": "5",
    }
    process = subprocess.Popen([str(airflow), "scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT)
    path = f"/api/v2/dags/{STORY_DAG}/dagRuns/{urllib.parse.quote(run['dag_run_id'], safe='')}"
    try:
        deadline = time.monotonic() + 420
        while True:
            state = api_call(api_server, token, path)["state"]
            if state in ("success", "failed"):
                break
            if process.poll() is not None:
                raise AssertionError(f"scheduler exited {process.returncode}: see {log.name}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the scheduler did not finish {STORY_DAG} within 420 s ({state}): see {log.name}")
            time.sleep(2)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
    # the story needs its gate and items to have run (a crashed task process is not the story)
    tis = api_call(api_server, token, f"{path}/taskInstances?limit=50")["task_instances"]
    states = {(ti["task_id"], ti["map_index"]): ti["state"] for ti in tis}
    assert states.get(("probe.gate", -1)) == "success" and states.get(("probe.run", 2)) == "failed", (
        f"{states}; logs under {stored_run.home / 'logs'}, scheduler log {log.name}"
    )
    return SchedulerRun(STORY_DAG, run["dag_run_id"], state)


@pytest.fixture(scope="session")
def logged_in(browser, api_server):
    from selenium.webdriver.common.by import By

    browser.get(api_server + "/")
    wait_for_text(browser, "Sign in")
    browser.find_element(By.CSS_SELECTOR, "input[name=username]").send_keys("admin")
    browser.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(PASSWORD)
    browser.save_screenshot(str(ARTIFACTS / "01-login.png"))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    deadline = time.monotonic() + 60
    while not any(c["name"] == "_token" for c in browser.get_cookies()):
        assert time.monotonic() < deadline, "login did not set the session cookie"
        time.sleep(0.5)
    return browser


def wait_for_text(driver, text: str, timeout: float = 60) -> str:
    """Body text once it contains ``text`` (the UI renders asynchronously)."""
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        try:
            body = driver.find_element(By.TAG_NAME, "body").text
        except Exception:
            body = ""
        if text in body:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not shown within {timeout}s; page text starts: {body[:800]!r}")
