"""docker/: no Docker daemon runs on CI machines, so the image and the compose topology are checked
as far as possible without one: ``docker-compose config`` (offline schema validation and variable
interpolation) plus structural checks that the compose file carries the same distributed
settings the native integration deployment (tests/integration/airflow_config.py) runs with.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKER = REPO_ROOT / "docker"
COMPOSE = DOCKER / "docker-compose.yaml"
AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}
#: settings every process of a distributed deployment must share (see docs/deployment.md)
SHARED_SETTINGS = {
    "AIRFLOW__CORE__EXECUTOR",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__CORE__XCOM_BACKEND",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__ATTUNE__STORE_URL",
    "AIRFLOW__ATTUNE__STORE_CONN_ID",
    "AIRFLOW__ATTUNE__WORKFLOWS_FOLDER",
    "AIRFLOW__ATTUNE__PACKS_FOLDER",
    "AIRFLOW_CONN_ATTUNE_S3",
}


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def _argv(command: str | list[str] | None) -> list[str]:
    """Compose v2 prints commands as lists, v1 as the string written in the file."""
    if command is None:
        return []
    return command if isinstance(command, list) else shlex.split(command)


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict:
    """The compose file as Compose itself resolves it with docker/.env.example's values."""
    command = _compose_command()
    if command is None:
        pytest.skip("no docker compose client (scripts/setup.d/31-docker-compose.sh installs one)")
    env_file = tmp_path_factory.mktemp("compose") / ".env"
    shutil.copy(DOCKER / ".env.example", env_file)
    result = subprocess.run(
        [*command, "--env-file", str(env_file), "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_config_validates_and_has_the_topology(resolved: dict) -> None:
    services = resolved["services"]
    assert set(services) == {"postgres", "redis", "minio", "minio-init", *AIRFLOW_SERVICES}
    commands = {name: _argv(services[name].get("command")) for name in AIRFLOW_SERVICES}
    assert commands["airflow-apiserver"] == ["api-server"]
    assert commands["airflow-scheduler"] == ["scheduler"]
    assert commands["airflow-dag-processor"] == ["dag-processor"]
    assert commands["airflow-triggerer"] == ["triggerer"]
    assert commands["airflow-worker"] == ["celery", "worker"]


def test_every_airflow_container_shares_the_distributed_settings(resolved: dict) -> None:
    services = resolved["services"]
    reference = {k: services["airflow-scheduler"]["environment"][k] for k in SHARED_SETTINGS}
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert {k: env.get(k) for k in SHARED_SETTINGS} == reference, name
        assert {"postgres", "redis", "minio-init"} <= set(services[name]["depends_on"]), name
    assert reference["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert reference["AIRFLOW__CORE__XCOM_BACKEND"] == "attune_provider.xcom.AttuneXComBackend"
    assert reference["AIRFLOW__ATTUNE__STORE_URL"].startswith("s3://attune-results/")
    assert reference["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert reference["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql")
    conn = yaml.safe_load(reference["AIRFLOW_CONN_ATTUNE_S3"])  # JSON is YAML
    assert conn["conn_type"] == "aws" and conn["extra"]["endpoint_url"] == "http://minio:9000"


def test_workers_scale_and_the_bucket_is_created_before_airflow_starts(resolved: dict) -> None:
    services = resolved["services"]
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker, (
        "a scaled worker must not pin names or ports"
    )
    init = services["minio-init"]
    script = " ".join(init["command"]).replace("$$", "$")  # compose v1 keeps its $$ escapes
    assert "mc mb --ignore-existing" in script and "local/$ATTUNE_BUCKET" in script
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    for name in AIRFLOW_SERVICES:
        assert services[name]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    # v2 prints long-form mounts, v1 the short "source:target[:mode]" form
    mounts = {v["target"] if isinstance(v, dict) else v.split(":")[1] for v in worker["volumes"]}
    assert {"/opt/airflow/dags", "/opt/airflow/attune/workflows", "/opt/airflow/attune/packs"} <= mounts


def test_native_deployment_uses_the_same_settings() -> None:
    """The suite's native deployment configures every shared setting the compose file does."""
    source = (Path(__file__).parent / "airflow_config.py").read_text()
    for setting in SHARED_SETTINGS - {"AIRFLOW_CONN_ATTUNE_S3"}:
        _, section, option = setting.split("__", 2)
        assert f"[{section.lower()}]" in source and f"\n{option.lower()} = " in source, setting


def test_dockerfile_builds_on_the_official_image_and_copies_existing_files() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^ARG AIRFLOW_IMAGE=apache/airflow:3\.3\.2$", dockerfile, re.M)
    assert re.search(r"^FROM \$\{AIRFLOW_IMAGE\}$", dockerfile, re.M)
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
    sources = []
    for line in re.findall(r"^COPY (?:--\S+ )*(.+)$", dockerfile, re.M):
        sources.extend(line.split()[:-1])
    assert sources, "no COPY instruction found"
    for src in sources:
        assert (REPO_ROOT / src).exists(), f"COPY source {src} does not exist in the build context"
        assert any(rule.startswith("!") and rule[1:].split("/**")[0] == src for rule in ignore), src
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in dockerfile, "pip must not move the base image's Airflow"
