"""Run attune workflows on Apache Airflow 3.3.

Layers, each a subpackage: ``spec`` (load/validate YAML) -> ``expressions`` (templates and the
per-run context) -> ``compiler`` (workflow -> DAG) -> ``runtime`` (the operators a DAG runs) ->
``actions`` (what a task executes); ``store`` and ``xcom`` keep results once, by reference.
"""

__version__ = "0.1.0"
