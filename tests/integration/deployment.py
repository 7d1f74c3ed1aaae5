"""A real multi-process Airflow deployment on loopback, started once per test session.

Why: the provider has to work when parsing, scheduling, executing and serving happen in
different processes (and workers in different directories), with Postgres, Redis/Celery and an
S3 result store, exactly as in production. Everything here is a real server on 127.0.0.1 on a
free port; every process runs in its own process group and is stopped even on failure.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.integration.airflow_config import (
    ADMIN_USER,
    BUCKET,
    READER_CONN_ID,
    S3_CONN_ID,
    STORE_PREFIX,
    VENV_BIN,
    WORKER_NAMES,
    child_env,
    s3_conn_json,
    write_airflow_cfg,
)
from tests.integration.processes import DeploymentError, ManagedProcess, ProcessDied, free_port, wait_until
from tests.integration.s3_proxy import CountingS3Proxy
from tests.integration.services import start_postgres, start_redis, start_s3

__all__ = ["WORKER_NAMES", "Deployment", "DeploymentError", "start_deployment", "wait_until"]

TERMINAL_RUN_STATES = {"success", "failed"}


@dataclass
class Deployment:
    """Handles to a running deployment plus helpers to drive it through its public interfaces."""

    root: Path
    airflow_home: Path
    dags_folder: Path
    workflows_folder: Path
    packs_folder: Path
    ports: dict[str, int]
    env: dict[str, str]
    proxy: CountingS3Proxy
    processes: list[ManagedProcess] = field(default_factory=list)
    _token: str | None = None
    _stopped: bool = False
    _store: Any = None

    # ---------------------------------------------------------------- process control
    def spawn(
        self,
        name: str,
        argv: list[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> ManagedProcess:
        log_path = self.root / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
        popen = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env if env is not None else self.env),
            cwd=str(cwd or self.root),
            start_new_session=True,
            user=user,
        )
        log.close()
        process = ManagedProcess(name, popen, log_path, stop_signal)
        self.processes.append(process)
        return process

    def airflow(self, *args: str, timeout: float = 300, env: Mapping[str, str] | None = None) -> str:
        """Run a one-shot ``airflow`` CLI command against the deployment; raise with its output."""
        result = subprocess.run(
            [str(VENV_BIN / "airflow"), *args],
            env=dict(env or self.env),
            cwd=str(self.root),
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
        if result.returncode != 0:
            raise DeploymentError(
                f"airflow {' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}\n"
                f"{result.stderr[-4000:]}"
            )
        return result.stdout

    def stop(self, timeout: float = 20) -> None:
        """Stop every process group: Airflow first, then the servers they depend on."""
        if self._stopped:
            return
        self._stopped = True
        airflow_procs = [p for p in self.processes if p.name not in ("postgres", "redis", "moto")]
        service_procs = [p for p in self.processes if p not in airflow_procs]
        for batch in (airflow_procs, service_procs):
            for proc in batch:
                if proc.alive():
                    proc.signal_group(proc.stop_signal)
            deadline = time.monotonic() + timeout
            for proc in batch:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.popen.wait(max(0.1, deadline - time.monotonic()))
            for proc in batch:
                proc.signal_group(signal.SIGKILL)  # leftovers in the group (task processes, forks)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.popen.wait(5)
        self.proxy.stop()

    def logs_report(self, lines: int = 60) -> str:
        parts = []
        for proc in self.processes:
            state = "running" if proc.alive() else f"exited {proc.popen.returncode}"
            parts.append(f"===== {proc.name} ({state}) {proc.log_path} =====\n{proc.log_tail(lines)}")
        return "\n".join(parts)

    def check_alive(self) -> None:
        dead = [p for p in self.processes if not p.alive()]
        if dead:
            names = ", ".join(f"{p.name} (exit {p.popen.returncode})" for p in dead)
            raise ProcessDied(f"deployment processes died: {names}")

    # ---------------------------------------------------------------- REST API
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    def _http(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:2000]
            raise DeploymentError(f"{method} {path} -> HTTP {exc.code}: {detail}") from None
        return json.loads(raw) if raw else None

    def token(self) -> str:
        if self._token is None:
            password = json.loads((self.airflow_home / "passwords.json").read_text())[ADMIN_USER]
            reply = self._http("POST", "/auth/token", {"username": ADMIN_USER, "password": password})
            self._token = reply["access_token"]
        return self._token

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the public REST API (``/api/v2`` + path) with a JWT from ``/auth/token``."""
        return self._http(method, "/api/v2" + path, body, token=self.token())

    def wait_for_dags(self, dag_ids: Iterable[str], timeout: float = 180) -> None:
        wanted = set(dag_ids)

        def parsed() -> bool:
            self.check_alive()
            found = set()
            for dag_id in wanted:
                with contextlib.suppress(DeploymentError):
                    self.api("GET", f"/dags/{dag_id}")
                    found.add(dag_id)
            return found == wanted

        wait_until(parsed, timeout, f"DAGs {sorted(wanted)} to be parsed", interval=1)

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None, run_id: str | None = None) -> str:
        body: dict[str, Any] = {"logical_date": None, "conf": dict(conf or {})}
        if run_id:
            body["dag_run_id"] = run_id
        return self.api("POST", f"/dags/{dag_id}/dagRuns", body)["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def wait_for_runs(self, dag_id: str, run_ids: Iterable[str], timeout: float = 300) -> dict[str, str]:
        """Wait until every run is finished; return ``{run_id: state}``.

        One list call per poll (not one per run) keeps the api-server's load low during the
        20-run load check.
        """
        wanted = set(run_ids)
        states: dict[str, str] = {}

        def finished() -> bool:
            self.check_alive()
            runs = self.api("GET", f"/dags/{dag_id}/dagRuns?limit=1000")["dag_runs"]
            states.update({r["dag_run_id"]: r["state"] for r in runs if r["dag_run_id"] in wanted})
            return all(states.get(run_id) in TERMINAL_RUN_STATES for run_id in wanted)

        pending = lambda: sorted(r for r in wanted if states.get(r) not in TERMINAL_RUN_STATES)  # noqa: E731
        wait_until(
            finished,
            timeout,
            f"runs of {dag_id} to finish",
            interval=2,
            on_timeout=lambda: print(f"still unfinished: {pending()}"),
        )
        return {run_id: states[run_id] for run_id in wanted}

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        reply = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")
        return reply["task_instances"]

    def xcom_entry(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> Any:
        """The XCom row's stored value as the REST API shows it (for us: the store reference)."""
        path = (
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
            f"?map_index={map_index}&stringify=false"
        )
        return self.api("GET", path)["value"]

    # ---------------------------------------------------------------- S3
    def s3_client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.ports['moto']}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

    def store(self):
        """The result store as the test process reads it: straight from the S3 server (no proxy)."""
        if self._store is None:
            from attune_provider.store.result_store import ResultStore

            os.environ[f"AIRFLOW_CONN_{READER_CONN_ID.upper()}"] = s3_conn_json(self.ports["moto"])
            self._store = ResultStore(f"s3://{BUCKET}/{STORE_PREFIX}", conn_id=READER_CONN_ID)
        return self._store

    def result(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> Any:
        """A task's return value: the XCom row's store reference, resolved and made plain."""
        from attune_provider.store.reference import is_reference, parse_reference

        value = self.xcom_entry(dag_id, run_id, task_id, map_index)
        if not is_reference(value):
            return value
        key, path = parse_reference(value)
        result = self.store().load_plain(key)
        for step in path:
            result = result[step]
        return result

    def s3_keys(self) -> set[str]:
        client = self.s3_client()
        keys: set[str] = set()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            keys.update(obj["Key"] for obj in page.get("Contents", []))
        return keys


def _airflow_process(deploy: Deployment, name: str, *args: str, **kwargs: Any) -> ManagedProcess:
    return deploy.spawn(name, [str(VENV_BIN / "airflow"), *args], **kwargs)


def _start_airflow(deploy: Deployment, worker_concurrency: int) -> None:
    deploy.airflow("db", "migrate", timeout=600)
    _airflow_process(
        deploy, "api-server", "api-server", "--host", "127.0.0.1", "--port", str(deploy.ports["api"])
    )
    _airflow_process(deploy, "scheduler", "scheduler")
    _airflow_process(deploy, "dag-processor", "dag-processor")
    _airflow_process(deploy, "triggerer", "triggerer")
    for name in WORKER_NAMES:
        workdir = deploy.root / name
        workdir.mkdir()
        worker_env = {
            **deploy.env,
            # Each worker reaches S3 through its own proxy port, so reads are attributable.
            f"AIRFLOW_CONN_{S3_CONN_ID.upper()}": s3_conn_json(deploy.ports[f"s3-{name}"]),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(deploy.ports[f"{name}-logs"]),
        }
        _airflow_process(
            deploy,
            name,
            "celery",
            "worker",
            "--celery-hostname",
            f"{name}@%h",
            "--concurrency",
            str(worker_concurrency),
            "--without-gossip",
            "--without-mingle",
            env=worker_env,
            cwd=workdir,
        )

    def healthy() -> bool:
        deploy.check_alive()
        health = deploy._http("GET", "/api/v2/monitor/health")
        return all(
            health.get(part, {}).get("status") == "healthy"
            for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")
        )

    wait_until(healthy, 180, "api-server, scheduler, triggerer and dag-processor health", interval=1)
    for name in WORKER_NAMES:
        proc = next(p for p in deploy.processes if p.name == name)
        wait_until(
            lambda proc=proc: (deploy.check_alive() or True) and " ready." in proc.log_text(),
            120,
            f"celery {name} ready",
        )
    # The metadata DB holds the connection everything but the workers use (they override it per
    # process through AIRFLOW_CONN_*, which Airflow checks before the DB, to count their reads).
    deploy.api(
        "POST",
        "/connections",
        {
            "connection_id": S3_CONN_ID,
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": json.dumps(
                {"endpoint_url": f"http://127.0.0.1:{deploy.ports['s3-control']}", "region_name": "us-east-1"}
            ),
        },
    )


def start_deployment(
    dag_files: Iterable[Path] = (),
    workflow_files: Iterable[Path] = (),
    pack_dirs: Iterable[Path] = (),
    worker_concurrency: int = 4,
) -> Deployment:
    """Start Postgres, Redis, moto S3 (behind the counting proxy) and all Airflow processes."""
    root = Path(tempfile.mkdtemp(prefix="attune-deploy-"))
    root.chmod(0o755)
    home = root / "airflow-home"
    port_names = ["postgres", "redis", "moto", "api", "s3-control", "triggerer-logs"]
    port_names += [f"s3-{w}" for w in WORKER_NAMES] + [f"{w}-logs" for w in WORKER_NAMES]
    ports = {name: free_port() for name in port_names}
    proxy = CountingS3Proxy(
        ports["moto"], {"control": ports["s3-control"], **{w: ports[f"s3-{w}"] for w in WORKER_NAMES}}
    )
    deploy = Deployment(
        root=root,
        airflow_home=home,
        dags_folder=home / "dags",
        workflows_folder=root / "workflows",
        packs_folder=root / "packs",
        ports=ports,
        env=child_env(home),
        proxy=proxy,
    )
    for folder in (home, deploy.dags_folder, deploy.workflows_folder, deploy.packs_folder):
        folder.mkdir(parents=True, exist_ok=True)
    for src in dag_files:
        shutil.copy(src, deploy.dags_folder / Path(src).name)
    for src in workflow_files:
        shutil.copy(src, deploy.workflows_folder / Path(src).name)
    for src in pack_dirs:
        shutil.copytree(src, deploy.packs_folder / Path(src).name)
    write_airflow_cfg(
        deploy, store_url=f"s3://{BUCKET}/{STORE_PREFIX}", worker_concurrency=worker_concurrency
    )
    atexit.register(deploy.stop)
    try:
        start_postgres(deploy)
        start_redis(deploy)
        start_s3(deploy)
        _start_airflow(deploy, worker_concurrency)
    except BaseException:
        sys.stderr.write(deploy.logs_report())
        deploy.stop()
        raise
    return deploy
