"""The servers Airflow depends on, started privately on free loopback ports: PostgreSQL (its own
cluster in a temp dir), Redis and moto's S3 server (behind the counting proxy).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from tests.integration.airflow_config import BUCKET, VENV_BIN
from tests.integration.processes import DeploymentError, wait_until

if TYPE_CHECKING:
    from tests.integration.deployment import Deployment


def postgres_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if not candidates:
        raise DeploymentError("PostgreSQL is not installed (run scripts/setup.d/30-services.sh)")
    return candidates[0].parent


def start_postgres(deploy: Deployment) -> None:
    bindir = postgres_bin()
    data = deploy.root / "pgdata"
    sockets = deploy.root / "pgsock"
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else None
    for path in (data, sockets):
        path.mkdir(mode=0o700)
        if as_root:
            shutil.chown(path, "postgres", "postgres")
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "airflow", "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        user=user,
        cwd="/",
    )
    port = deploy.ports["postgres"]
    deploy.spawn(
        "postgres",
        [
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-k",
            str(sockets),
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=128MB",
            "-c",
            "log_lock_waits=on",
            "-c",
            "deadlock_timeout=2s",
        ],
        user=user,
        cwd=Path("/"),
        stop_signal=signal.SIGINT,  # fast shutdown
    )
    pg_isready = [
        str(bindir / "pg_isready"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-U",
        "airflow",
        "-d",
        "postgres",
    ]
    wait_until(lambda: subprocess.run(pg_isready, capture_output=True).returncode == 0, 60, "postgres")
    subprocess.run(
        [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "airflow", "airflow"],
        check=True,
        capture_output=True,
    )


def start_redis(deploy: Deployment) -> None:
    redis = shutil.which("redis-server")
    if not redis:
        raise DeploymentError("redis-server is not installed (run scripts/setup.d/30-services.sh)")
    port = deploy.ports["redis"]
    deploy.spawn(
        "redis",
        [
            redis,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(deploy.root),
        ],
    )

    def ping() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")

    wait_until(ping, 30, "redis")


def start_s3(deploy: Deployment) -> None:
    deploy.spawn(
        "moto",
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(deploy.ports["moto"])],
        env={**deploy.env, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    )
    wait_until(lambda: deploy.s3_client().list_buckets() is not None, 60, "moto S3 server")
    deploy.s3_client().create_bucket(Bucket=BUCKET)
    deploy.proxy.start()
