from __future__ import annotations

import pytest

from attune_provider.actions.registry import ActionRegistry


@pytest.fixture(scope="session")
def dag_env(airflow_db):
    """Airflow DB plus the DAG file that exposes test-compiled DAGs to dag.test()."""
    from tests.runtime.helpers import install_dag_file

    install_dag_file(airflow_db / "dags")
    return airflow_db


@pytest.fixture
def registry() -> ActionRegistry:
    """A real registry (core actions included) with no pack folders; tests register doubles."""
    return ActionRegistry(packs_folders=[], entry_point_group=None, pack_entry_point_group=None)
