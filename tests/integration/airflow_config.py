"""The configuration every process of the integration deployment shares (airflow.cfg + env).

Why one file for all processes: a distributed Airflow only works when the api-server, scheduler,
dag-processor, triggerer and every worker agree on the fernet key, JWT secret, API secret,
execution API URL, broker, result backend, XCom backend and the ``[attune]`` store settings.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.integration.deployment import Deployment

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
BUCKET = "attune-results"
STORE_PREFIX = "store"
S3_CONN_ID = "attune_s3"
READER_CONN_ID = "attune_s3_test_reader"
ADMIN_USER = "admin"
WORKER_NAMES = ("worker-a", "worker-b")


def child_env(home: Path) -> dict[str, str]:
    """The environment every process of the deployment gets: no AIRFLOW_* from the test process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_", "ATTUNE"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW_CONFIG=str(home / "airflow.cfg"),
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(REPO_ROOT),
        PYTHONUNBUFFERED="1",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


def s3_conn_json(port: int) -> str:
    extra = json.dumps({"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1"})
    return json.dumps({"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra})


def write_airflow_cfg(deploy: Deployment, *, store_url: str, worker_concurrency: int) -> None:
    from cryptography.fernet import Fernet

    ports = deploy.ports
    pg = f"postgresql+psycopg2://airflow@127.0.0.1:{ports['postgres']}/airflow"
    cfg = f"""
[core]
executor = CeleryExecutor
dags_folder = {deploy.dags_folder}
load_examples = False
dags_are_paused_at_creation = True
fernet_key = {Fernet.generate_key().decode()}
xcom_backend = attune_provider.xcom.AttuneXComBackend
execution_api_server_url = http://127.0.0.1:{ports["api"]}/execution/
parallelism = 64
max_active_tasks_per_dag = 64
max_active_runs_per_dag = 32
auth_manager = airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager
simple_auth_manager_users = {ADMIN_USER}:admin
simple_auth_manager_passwords_file = {deploy.airflow_home / "passwords.json"}

[workers]
# The machine may be busy (2 cores shared with the rest of CI): be patient with the API.
execution_api_timeout = 30

[database]
sql_alchemy_conn = {pg}
sql_alchemy_pool_size = 5
sql_alchemy_max_overflow = 10

[api]
host = 127.0.0.1
port = {ports["api"]}
secret_key = {secrets.token_hex(16)}
base_url = http://127.0.0.1:{ports["api"]}
workers = 2

[api_auth]
jwt_secret = {secrets.token_hex(32)}

[celery]
broker_url = redis://127.0.0.1:{ports["redis"]}/0
result_backend = db+postgresql+psycopg2://airflow@127.0.0.1:{ports["postgres"]}/airflow
worker_concurrency = {worker_concurrency}
sync_parallelism = 1

[scheduler]
scheduler_idle_sleep_time = 0.5
max_tis_per_query = 64
enable_health_check = False

[dag_processor]
refresh_interval = 5
min_file_process_interval = 60
parsing_processes = 1

[triggerer]
capacity = 100

[logging]
base_log_folder = {deploy.airflow_home / "logs"}
logging_level = INFO
worker_log_server_port = {ports["worker-a-logs"]}
trigger_log_server_port = {ports["triggerer-logs"]}

[attune]
store_url = {store_url}
store_conn_id = {S3_CONN_ID}
workflows_folder = {deploy.workflows_folder}
packs_folder = {deploy.packs_folder}
"""
    (deploy.airflow_home / "airflow.cfg").write_text(cfg.lstrip())
    (deploy.airflow_home / "passwords.json").write_text(json.dumps({ADMIN_USER: secrets.token_hex(12)}))
