"""The ``DagBag`` importing the current DAG file, so a broken YAML file gets its own import error.

Mirrors (Airflow 3.3.2):
  https://github.com/apache/airflow/blob/3.3.2/airflow-core/src/airflow/dag_processing/dagbag.py
  (``DagBag.process_file`` -> ``_load_modules_from_file``; ``DagBag.import_errors``, keyed by the
  file path relative to the bundle; the processor stores them as ``ParseImportError`` rows)

Why no public way: a DAG file can only report errors by raising, which Airflow records against
that ``.py`` file and which drops every good DAG the file defines. One loader file compiles many
YAML files; each broken one must show as an import error of its own path while the good ones
keep loading. Airflow gives a DAG file no handle on the bag importing it, so it is found on the
call stack: the ``self`` of the ``DagBag`` method that is executing the import.

If an upgrade changes this, ``importing_dagbag()`` returns None: the errors are still logged and
shown by the placeholder DAGs (``dag_loading/placeholders.py``);
``tests/_airflow_compat/test_dagbag_import_errors.py`` turns red.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any


def importing_dagbag() -> Any:
    """The ``DagBag`` whose ``process_file`` is importing the caller, or None (plain ``import``)."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # pragma: no cover - Airflow moved DagBag: the compat test says so
        return None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, DagBag):
            return candidate
        frame = frame.f_back
    return None
