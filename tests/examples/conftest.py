"""Fixtures for the example workflows: their compiled DAGs and the local health server."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="session")
def example_build(airflow_db, tmp_path_factory):
    """Every example workflow compiled through the DAG loader (as the DAG processor does)."""
    from attune_provider.compiler.dag_loader import SpecCache, build_dags
    from tests.runtime.helpers import expose, install_dag_file

    install_dag_file(airflow_db / "dags")
    report = build_dags(
        None, folders=[EXAMPLES], cache=SpecCache(tmp_path_factory.mktemp("spec-cache")), only_dag_id=None
    )
    for dag in report.dags.values():
        expose(dag)
    return report


@pytest.fixture(scope="session")
def example_dags(example_build):
    return example_build.dags


@pytest.fixture(scope="session")
def health_server():
    from examples.servers.health_server import HealthServer

    with HealthServer() as server:
        yield server
