from __future__ import annotations

import pytest

from attune_provider.actions.registry import ActionRegistry


@pytest.fixture(scope="module")
def dag_env(airflow_db):
    """Airflow DB plus the DAG file that exposes test-compiled DAGs to dag.test().

    Module-scoped and removed afterwards, so other test modules sharing the DAG folder (and the
    bundle sync of later dag.test() calls) never see this module's DAGs.
    """
    from tests.runtime.helpers import COMPILED, install_dag_file

    path = install_dag_file(airflow_db / "dags")
    yield airflow_db
    path.unlink(missing_ok=True)
    COMPILED.clear()


@pytest.fixture
def registry() -> ActionRegistry:
    """A real registry (core actions included) with no pack folders; tests register doubles."""
    return ActionRegistry(packs_folders=[], entry_point_group=None, pack_entry_point_group=None)
