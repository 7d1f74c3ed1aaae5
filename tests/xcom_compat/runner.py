"""Run DAGs with ``dag.test()`` under one XCom backend, in a fresh process; write the outcome as JSON.

Usage (the suite calls it; the XCom backend class is resolved when Airflow is imported, hence one
process per backend)::

    python tests/xcom_compat/runner.py --backend attune --offload all --out result.json \
        --module airflow.example_dags.example_xcom --file tests/xcom_compat/dag_files/xcom_compat_matrix.py

Output: for every DAG, the state of the run and of every task instance; the observations the
matrix DAG's consumers wrote; the raw XCom rows (to tell inline values from store references);
for the attune backend, the store bytes each task instance read.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

BACKENDS = {
    "base": "airflow.sdk.bases.xcom.BaseXCom",
    "attune": "attune_provider.xcom.AttuneXComBackend",
}


def prepare_environment(backend: str, offload: str) -> Path:
    home = Path(tempfile.mkdtemp(prefix=f"xcom-compat-{backend}-"))
    (home / "dags").mkdir()
    (home / "obs").mkdir()
    os.environ.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db",
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(home / "dags"),
        AIRFLOW__CORE__XCOM_BACKEND=BACKENDS[backend],
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="ERROR",
        AIRFLOW__ATTUNE__STORE_URL=(home / "attune-store").as_uri(),
        AIRFLOW__ATTUNE__OFFLOAD=offload,
        AIRFLOW__ATTUNE__INLINE_THRESHOLD="0",
        XCOM_COMPAT_OBS=str(home / "obs"),
    )
    return home


def load_dags(files: list[Path], home: Path) -> list:
    """Every DAG the files define, parsed the way Airflow parses a dags folder."""
    from airflow.dag_processing.dagbag import DagBag

    for path in files:
        (home / "dags" / path.name).write_text(path.read_text())
    bag = DagBag(dag_folder=str(home / "dags"))
    if bag.import_errors:
        raise SystemExit(f"DAG files failed to import: {bag.import_errors}")
    return [bag.dags[dag_id] for dag_id in sorted(bag.dags)]


def run_dag(dag: object) -> dict:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    dr = dag.test()
    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.state).where(
                TaskInstance.dag_id == dag.dag_id, TaskInstance.run_id == dr.run_id
            )
        ).all()
    return {
        "run_id": dr.run_id,
        "state": str(dr.state),
        "tis": {f"{t}[{m}]": str(s) for t, m, s in sorted(rows)},
    }


def xcom_rows(dag_id: str, run_id: str) -> dict:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(XComModel.task_id, XComModel.map_index, XComModel.key, XComModel.value).where(
                XComModel.dag_id == dag_id, XComModel.run_id == run_id
            )
        ).all()
    return {f"{t}[{m}].{k}": v if isinstance(v, str) else json.dumps(v) for t, m, k, v in rows}


PROBED = (("make_list", -1), ("make_dict", -1), ("make_odd_types", -1), ("on_item", 0), ("on_pair", 1))


def probe_rest_api(home: Path, dag_id: str, run_id: str) -> dict:
    """``GET .../xcomEntries/return_value?deserialize=true`` on Airflow's own API app, in-process."""
    from airflow.api_fastapi.app import create_app
    from airflow.configuration import conf
    from fastapi.testclient import TestClient

    conf.set("api_auth", "jwt_secret", "xcom-compat-" + "0123456789abcdef" * 4)
    answers = {}
    with TestClient(create_app()) as client:
        passwords = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())
        token = client.post("/auth/token", json={"username": "admin", "password": passwords["admin"]})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for task_id, map_index in PROBED:
            url = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
            response = client.get(url, params={"deserialize": "true", "map_index": map_index}, headers=headers)
            answers[f"{task_id}[{map_index}]"] = [response.status_code, response.json().get("value")]
    return answers


def probe_tasks_test(home: Path, dag_id: str, run_id: str) -> dict:
    """``airflow tasks test`` of a dict-expanded mapped instance and a plain consumer, in that run."""
    import subprocess

    answers = {}
    for task_id, map_index in (("on_pair", 0), ("on_whole", -1)):
        obs = home / "obs" / f"{task_id}.{map_index}.json"
        obs.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "airflow", "tasks", "test", dag_id, task_id, run_id]
        if map_index >= 0:
            cmd += ["--map-index", str(map_index)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        answers[f"{task_id}[{map_index}]"] = {
            "returncode": proc.returncode,
            "obs": json.loads(obs.read_text()) if obs.exists() else None,
            "tail": (proc.stdout + proc.stderr)[-1500:] if proc.returncode else "",
        }
    return answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=sorted(BACKENDS), required=True)
    parser.add_argument("--offload", default="all")
    parser.add_argument("--out", required=True)
    parser.add_argument("--module", action="append", default=[])
    parser.add_argument("--file", action="append", default=[])
    parser.add_argument("--probe", help="DAG id to probe through the REST API and `airflow tasks test`")
    args = parser.parse_args()

    home = prepare_environment(args.backend, args.offload)
    from airflow.utils import db

    db.initdb()
    # dag.test() runs only DAGs it can serialize from the dags folder: the installed example file
    # is placed there as shipped (the suite reads it from the package, nothing is kept)
    paths = [Path(importlib.util.find_spec(name).origin) for name in args.module]
    dags = load_dags([*paths, *(Path(p).resolve() for p in args.file)], home)
    result: dict = {"dags": {}, "xcom": {}, "obs": {}, "store_bytes": {}}
    for dag in dags:
        try:
            result["dags"][dag.dag_id] = outcome = run_dag(dag)
        except Exception as exc:  # a DAG that cannot even run is an outcome too
            result["dags"][dag.dag_id] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        result["xcom"][dag.dag_id] = xcom_rows(dag.dag_id, outcome["run_id"])
    for path in sorted((home / "obs").glob("*.json")):
        result["obs"][path.stem] = json.loads(path.read_text())
    if args.probe:
        run_id = result["dags"][args.probe]["run_id"]
        result["rest"] = probe_rest_api(home, args.probe, run_id)
        result["tasks_test"] = probe_tasks_test(home, args.probe, run_id)
    if args.backend == "attune":
        from attune_provider.store import ResultStore

        result["store_bytes"] = dict(ResultStore.from_settings().stats.by_scope)
    Path(args.out).write_text(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
