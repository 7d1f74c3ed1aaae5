"""Run Airflow's own example DAGs and the matrix DAG once per XCom backend (a process each).

The backend class is resolved when Airflow is imported, so each backend gets a fresh process
(``runner.py``); the runs are shared by every test in this folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MATRIX = HERE / "dag_files" / "xcom_compat_matrix.py"
VIEWS_OPT_IN = HERE / "dag_files" / "xcom_views_opt_in.py"

# Read from the installed airflow package, never copied: a new Airflow release is tested as shipped.
EXAMPLE_MODULES = (
    "airflow.example_dags.example_xcom",
    "airflow.example_dags.example_xcomargs",  # example_xcom_args, example_xcom_args_with_operators
    "airflow.example_dags.example_dynamic_task_mapping",  # + example_task_mapping_second_order
    "airflow.example_dags.example_dynamic_task_mapping_with_no_taskflow_operators",
    "airflow.example_dags.tutorial_taskflow_api",
    "airflow.example_dags.example_task_group_decorator",
    "airflow.providers.standard.example_dags.example_short_circuit_decorator",
    "airflow.example_dags.example_setup_teardown_taskflow",
    "airflow.example_dags.example_complex",
    "airflow.example_dags.tutorial_taskflow_templates",
    "airflow.providers.standard.example_dags.example_python_decorator",
)
EXAMPLE_DAG_IDS = (
    "example_xcom",
    "example_xcom_args",
    "example_xcom_args_with_operators",
    "example_dynamic_task_mapping",
    "example_task_mapping_second_order",
    "example_dynamic_task_mapping_with_no_taskflow_operators",
    "tutorial_taskflow_api",
    "example_task_group_decorator",
    "example_short_circuit_decorator",
    "example_setup_teardown_taskflow",
    "example_complex",
    "tutorial_taskflow_templates",
    "example_python_decorator",
)


def run_backend(tmp: Path, backend: str, offload: str, *, modules=(), files=()) -> dict:
    out = tmp / f"{backend}-{offload}.json"
    cmd = [sys.executable, str(HERE / "runner.py"), "--backend", backend, "--offload", offload, "--out", str(out)]
    cmd += ["--probe", "xcom_compat_matrix"]  # REST API and `airflow tasks test` against the matrix run
    for name in modules:
        cmd += ["--module", name]
    for path in files:
        cmd += ["--file", str(path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_HOME"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0 or not out.exists():
        raise AssertionError(f"runner failed for {backend}/{offload}:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return json.loads(out.read_text())


@pytest.fixture(scope="session")
def compat_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """{"base": outcome, "attune": outcome}: examples + matrix under BaseXCom and under ours."""
    tmp = tmp_path_factory.mktemp("xcom-compat")
    return {
        backend: run_backend(tmp, backend, "all", modules=EXAMPLE_MODULES, files=[MATRIX, VIEWS_OPT_IN])
        for backend in ("base", "attune")
    }


@pytest.fixture(scope="session")
def attune_scope_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The matrix and a compiled attune DAG under our backend with ``[attune] offload = attune``."""
    tmp = tmp_path_factory.mktemp("xcom-scope")
    return run_backend(tmp, "attune", "attune", files=[MATRIX, HERE / "dag_files" / "attune_scope_workflow.py"])
