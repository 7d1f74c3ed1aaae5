"""``_airflow_compat.dagbag_import_errors`` against the installed Airflow: red when an upgrade moves it."""

from __future__ import annotations

import inspect
from pathlib import Path

from attune_provider._airflow_compat.dagbag_import_errors import importing_dagbag

DAG_FILE = '''\
"""An airflow DAG file (the words make DagBag's safe mode parse it) that reports another file's error."""
from attune_provider._airflow_compat.dagbag_import_errors import importing_dagbag

bag = importing_dagbag()
bag.import_errors["broken/workflow.yaml"] = "broken/workflow.yaml:3:1: reported by the loader"
'''


def test_the_upstream_dagbag_has_the_mirrored_interface() -> None:
    from airflow.dag_processing.dagbag import DagBag

    assert list(inspect.signature(DagBag.process_file).parameters)[:2] == ["self", "filepath"]


def test_a_dag_file_reaches_the_dagbag_that_imports_it(tmp_path: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    (tmp_path / "reporter.py").write_text(DAG_FILE)
    bag = DagBag(dag_folder=str(tmp_path))
    assert bag.import_errors == {"broken/workflow.yaml": "broken/workflow.yaml:3:1: reported by the loader"}


def test_no_dagbag_outside_a_parse() -> None:
    assert importing_dagbag() is None
