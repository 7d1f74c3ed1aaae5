"""How long each Attune page takes for the main job's DAG, next to Airflow's own grid endpoints.

Command::

    .venv/bin/python benchmarks/ui_pages.py            # the main job: 1,000 servers (~3 min run)
    .venv/bin/python benchmarks/ui_pages.py --servers 50 --repeat 3   # quicker

Setup as in the README (loader file, examples pack): ``attune-airflow run
examples.health_check_servers`` against the local health server, then a real ``airflow
api-server`` on 127.0.0.1 in the same home. Each page is fetched ``--repeat`` times over HTTP with
a JWT (after one warm-up fetch); the median wall time is printed with its ratio to Airflow's grid
``ti_summaries`` endpoint (what the grid itself loads for a run), measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DAG_ID = "examples.health_check_servers"
PASSWORD = "attune-bench"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_HOME"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        AIRFLOW__API_AUTH__JWT_SECRET="attune-bench-" + "0123456789abcdef" * 4,
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
        AIRFLOW__CORE__XCOM_BACKEND="attune_provider.xcom.AttuneXComBackend",
    )
    return env


def _deploy(home: Path) -> None:
    shutil.copytree(REPO_ROOT / "examples" / "packs" / "examples", home / "attune" / "examples",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (home / "dags").mkdir()
    shutil.copy(REPO_ROOT / "dags" / "attune_dags.py", home / "dags" / "attune_dags.py")
    (home / "simple_auth_manager_passwords.json.generated").write_text(json.dumps({"admin": PASSWORD}))


def _run_workflow(home: Path, servers: int) -> str:
    sys.path.insert(0, str(REPO_ROOT))
    from examples.servers.health_server import HealthServer

    cli = Path(sys.executable).with_name("attune-airflow")
    with HealthServer() as health:
        done = subprocess.run(
            [str(cli), "run", str(home / "attune" / "examples"), "--ref", DAG_ID, "-p", f"base_url={health.base_url}",
             "-p", f"server_count={servers}", "--no-progress"],
            env=_env(home), capture_output=True, text=True, timeout=3600,
        )
    if done.returncode != 0:
        raise SystemExit(f"attune-airflow run failed:\n{done.stderr[-3000:]}")
    with sqlite3.connect(home / "airflow.db") as db:
        (run_id,) = db.execute("select run_id from dag_run where dag_id = ?", (DAG_ID,)).fetchone()
    return run_id


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, token: str) -> float:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attune-ui-bench-") as tmp:
        home = Path(tmp)
        _deploy(home)
        started = time.perf_counter()
        run_id = _run_workflow(home, args.servers)
        print(f"run of {DAG_ID} with {args.servers} servers: {time.perf_counter() - started:.0f} s")
        port = _free_port()
        airflow = Path(sys.executable).with_name("airflow")
        log = (home / "api-server.log").open("w")
        server = subprocess.Popen([str(airflow), "api-server", "--host", "127.0.0.1", "--port", str(port)],
                                  env=_env(home), stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 240
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=5):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("api-server did not start") from None
                    time.sleep(1)
            request = urllib.request.Request(f"{base}/auth/token", data=json.dumps(
                {"username": "admin", "password": PASSWORD}).encode(), headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                token = json.loads(response.read())["access_token"]
            _measure(base, token, run_id, args.repeat, args.servers)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()


def _measure(base: str, token: str, run_id: str, repeat: int, servers: int) -> None:
    run = urllib.parse.quote(run_id, safe="")

    def result(task_id: str, map_index: int = -1, **extra: object) -> str:
        query = {"dag_id": DAG_ID, "run_id": run_id, "task_id": task_id, "map_index": map_index, **extra}
        return f"{base}/attune/result?{urllib.parse.urlencode(query)}"

    middle = servers // 2
    baseline = ("Airflow grid ti_summaries", f"{base}/ui/grid/ti_summaries/{DAG_ID}/{run}")
    pages = [
        baseline,
        ("Airflow grid runs", f"{base}/ui/grid/runs/{DAG_ID}"),
        ("Airflow grid structure", f"{base}/ui/grid/structure/{DAG_ID}"),
        (f"attune item result (check_health.run [{middle}])", result("check_health.run", middle)),
        ("attune item list, page 1 (check_health.run)", result("check_health.run")),
        ("attune item list, last page", result("check_health.run", page=max(1, -(-servers // 50)))),
        ("attune list result, page 1 (list_servers.run)", result("list_servers.run")),
        ("attune routing task (check_health.route)", result("check_health.route")),
        ("attune run result (end)", result("end")),
        ("attune workflow tab", f"{base}/attune/workflow?dag_id={DAG_ID}"),
        ("attune workflow tab, task highlighted",
         f"{base}/attune/workflow?{urllib.parse.urlencode({'dag_id': DAG_ID, 'task': 'check_health'})}"),
    ]
    times = {}
    for name, url in pages:
        _get(url, token)  # warm-up: first-request imports, caches
        times[name] = statistics.median(_get(url, token) for _ in range(repeat))
    ref = times[baseline[0]]
    print(f"median of {repeat} fetches, {servers} mapped instances; ratio = page / {baseline[0]}")
    print(f"{'page':52} {'ms':>8} {'ratio':>7}")
    for name, _ in pages:
        print(f"{name:52} {times[name] * 1000:8.0f} {times[name] / ref:7.2f}")
    slowest = max((t, n) for n, t in times.items() if n.startswith("attune"))
    print(f"slowest attune page: {slowest[1]} {slowest[0] * 1000:.0f} ms ({'OK' if slowest[0] < 1 else 'OVER'} 1 s)")


if __name__ == "__main__":
    main()
