"""Airflow DAG file: one DAG per attune workflow (the DAG processor only reads ``.py`` files).

Copy this file into your DAGs folder. It compiles every workflow under ``[attune]
workflows_folder`` (packs and standalone YAML files) and ``[attune] packs_folder``; a broken
workflow shows up as an import error and as an ``attune_load_error.*`` DAG, never hiding the
others. Workers build only the DAG they run. See ``attune_provider.dag_loading``.
"""

from attune_provider.dag_loading import build_dags

# ``airflow`` and ``DAG`` appear in this file so Airflow's safe-mode heuristic parses it.
build_dags(globals())
