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
    from examples.servers.health_server import HealthServer

    home = tmp_path_factory.mktemp("browser-airflow-home")
    (home / "simple_auth_manager_passwords.json.generated").write_text(json.dumps({"admin": PASSWORD}))
    script = Path(sys.executable).with_name("attune-airflow")
    with HealthServer() as health:
        done = subprocess.run(
            [
                str(script),
                "run",
                str(REPO_ROOT / "examples" / "packs" / "examples"),
                "--ref",
                WORKFLOW_REF,
                "-p",
                f"base_url={health.base_url}",
                "-p",
                f"server_count={SERVER_COUNT}",
                "--no-progress",
            ],
            env=server_env(home),
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert done.returncode == 0, done.stderr[-4000:]
    add_broken_workflow(home)
    with sqlite3.connect(home / "airflow.db") as db:
        (run_id,) = db.execute("select run_id from dag_run where dag_id = ?", (WORKFLOW_REF,)).fetchone()
    return StoredRun(home, WORKFLOW_REF, run_id, json.loads(done.stdout))


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


def add_broken_workflow(home: Path) -> None:
    """The deployment's loader file plus a broken workflow, serialized with ``dags reserialize``.

    Without a DAG processor nothing else writes new or changed DAGs to the metadata DB the
    api-server reads (docs/ui.md, "airflow dags reserialize").
    """
    workflows = home / "attune"
    workflows.mkdir(exist_ok=True)
    (workflows / BROKEN_FILE).write_text(BROKEN_WORKFLOW, encoding="utf-8")
    shutil.copy(REPO_ROOT / "dags" / "attune_dags.py", home / "dags" / "attune_dags.py")
    airflow = Path(sys.executable).with_name("airflow")
    done = subprocess.run(
        [str(airflow), "dags", "reserialize"],
        env=server_env(home),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]


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
