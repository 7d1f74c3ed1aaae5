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
import json

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

    @task
    def action_like():
        data = {"status": 200, "server": "srv-0003", "checks": ["disk", "http"]}
        return {"succeeded": True, "data": data, "stdout": json.dumps(data) + "\\n", "password": "pw-12345"}

    produce()
    scalar()
    markup()
    action_like()
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


UI_WORKFLOW = """
version: "1.0"
description: UI probe for the attune views
parameters:
  hosts:
    type: array
    description: Host records ({id, name})
    default: [{id: 1, name: web-1}, {id: 2, name: web-2}]
  records:
    type: array
    description: Records with a required id
    items:
      type: object
      properties:
        id: {type: integer, required: true}
        name: {type: string}
  token:
    type: string
    secret: true
    default: sup3r-s3cret-default
    description: API token for the hosts
tasks:
  - name: greet
    action: core.echo
    with_items: "{{ parameters.hosts }}"
    input:
      message: "hello {{ item.name }} using {{ parameters.token }}"
    next:
      - when: "{{ succeeded() }}"
        do: [done]
      - when: "{{ failed() }}"
        do: [cleanup]
  - name: done
    action: core.echo
    input: {message: "all greeted"}
  - name: cleanup
    action: core.echo
    input: {message: "cleanup"}
"""

#: line 6 has a `tasks` that is not a list: a located load error
BROKEN_WORKFLOW = """version: "1.0"
description: a broken workflow for the load-error view
parameters:
  name: {type: string}

tasks: "not a list"
"""

LOADER = "from attune_provider.compiler.dag_loader import build_dags\n\n# airflow DAG\nbuild_dags(globals())\n"
TRIGGERED_SECRET = "triggered-s3cret-9931"


@pytest.fixture(scope="session")
def attune_run(airflow_db: Path, probe_run) -> dict[str, Any]:
    """An attune workflow (and a broken one) loaded by the real loader file and run once."""
    import importlib.util

    folder = airflow_db / "attune"
    folder.mkdir(exist_ok=True)
    (folder / "ui_probe.yaml").write_text(UI_WORKFLOW.lstrip(), encoding="utf-8")
    (folder / "broken_probe.yaml").write_text(BROKEN_WORKFLOW, encoding="utf-8")
    (folder / "ui_story.yaml").write_text(STORY_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    loader = airflow_db / "dags" / "attune_ui_loader.py"
    loader.write_text(LOADER, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("attune_ui_loader", loader)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    dag = module.dag__ui_probe
    error_ids = [name for name in vars(module) if name.startswith("dag__attune_load_error")]
    assert error_ids, sorted(vars(module))
    dag_run = dag.test(run_conf={"token": TRIGGERED_SECRET})
    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS"), dag_run.state
    return {
        "dag_id": dag.dag_id,
        "run_id": dag_run.run_id,
        "error_dag_id": getattr(module, error_ids[0]).dag_id,
        "broken_file": str(folder / "broken_probe.yaml"),
        "story_dag": module.dag__ui_story,
    }


#: the issue-23 story (also run by the scheduler in tests/browser): a mapped task whose item
#: ``broken`` fails and is handled by ``failed()``, a secret parameter, a required enum
STORY_FILE = Path(__file__).with_name("workflows") / "ui_story.yaml"
STORY_SECRET = "story-t0ken-4417"


@pytest.fixture(scope="session")
def story_run(attune_run) -> dict[str, Any]:
    """The story workflow run once with dag.test() (the failure is handled: the run succeeds)."""
    dag = attune_run["story_dag"]
    dag_run = dag.test(run_conf={"token": STORY_SECRET})
    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS"), dag_run.state
    return {"dag_id": dag.dag_id, "run_id": dag_run.run_id}
