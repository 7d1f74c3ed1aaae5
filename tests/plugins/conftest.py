"""A real DAG run stored in this test process's AIRFLOW_HOME, and the real Airflow API app.

The run uses a plain Airflow DAG (not an attune one) so the plugin's store reads are tested
independently of the compiler; the XCom backend is the attune one (set by tests/conftest.py),
so ``return_value`` rows hold store references exactly as in production.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

PROBE_DAG_ID = "attune_plugin_probe"
PROBE_DAG = """
from airflow.sdk import DAG, task

with DAG("attune_plugin_probe", schedule=None, catchup=False, tags=["attune-test"]) as dag:

    @task
    def produce():
        return [{"name": f"server-{i:03d}", "port": 8000 + i} for i in range(120)]

    @task
    def names():
        return ["alpha", "beta", "gamma"]

    @task(map_index_template="{{ task.op_kwargs['name'] }}")
    def greet(name):
        return {"greeting": f"hello {name}", "length": len(name)}

    @task
    def scalar():
        return 42

    @task
    def markup():
        return {"note": "<script>alert('x')</script>", "big": "y" * 10000}

    produce()
    scalar()
    markup()
    greet.expand(name=names())
"""


@pytest.fixture(scope="session")
def probe_run(airflow_db: Path) -> dict[str, Any]:
    """Run the probe DAG once with dag.test(); returns its dag_id and run_id."""
    import importlib.util

    dag_file = airflow_db / "dags" / "attune_plugin_probe.py"
    dag_file.write_text(PROBE_DAG, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("attune_plugin_probe", dag_file)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    dag_run = module.dag.test()
    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS"), dag_run.state
    return {"dag_id": PROBE_DAG_ID, "run_id": dag_run.run_id}


@pytest.fixture(scope="session")
def api_client(airflow_db: Path):
    """Airflow's own FastAPI app (auth manager, plugins mounted) behind a TestClient."""
    from airflow.api_fastapi.app import create_app
    from airflow.configuration import conf
    from fastapi.testclient import TestClient

    if not conf.get("api_auth", "jwt_secret", fallback=""):
        conf.set("api_auth", "jwt_secret", "attune-plugin-tests-" + "0123456789abcdef" * 4)
    app = create_app()
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def admin_token(api_client, airflow_db: Path) -> str:
    """A JWT from the real login endpoint, with SimpleAuthManager's generated admin password."""
    passwords = json.loads((airflow_db / "simple_auth_manager_passwords.json.generated").read_text())
    response = api_client.post("/auth/token", json={"username": "admin", "password": passwords["admin"]})
    assert response.status_code in (200, 201), response.text
    return response.json()["access_token"]
