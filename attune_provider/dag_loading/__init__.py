"""Turn every attune workflow under the configured folders into an Airflow DAG.

The DAG processor only imports ``.py`` files, so one small loader file (``dags/attune_dags.py``)
calls :func:`build_dags` with its ``globals()``; each compiled DAG becomes a module global.

The package has one module per job:

* :mod:`.units` -- discovery (the spec loader's own folder walk) and loading one unit (a pack
  or a standalone file) into located problems, never raising;
* :mod:`.cache` -- the content-addressed cache of loaded units (memo and pickles on disk);
* :mod:`.placeholders` -- import errors keyed by the YAML file and placeholder DAGs;
* :mod:`.build` -- orchestration: load, compile one by one, publish, index for workers.
"""

from attune_provider.dag_loading.build import BuildReport, build_dags
from attune_provider.dag_loading.cache import SpecCache
from attune_provider.dag_loading.placeholders import (
    ERROR_DAG_PREFIX,
    ERROR_TAG,
    error_dag_id,
    fail_with_load_error,
    format_problems,
    make_error_dag,
    record_import_errors,
)
from attune_provider.dag_loading.units import (
    LoadedUnit,
    Problem,
    SourceUnit,
    configured_folders,
    discover_units,
    load_unit,
)

__all__ = [
    "ERROR_DAG_PREFIX",
    "ERROR_TAG",
    "BuildReport",
    "LoadedUnit",
    "Problem",
    "SourceUnit",
    "SpecCache",
    "build_dags",
    "configured_folders",
    "discover_units",
    "error_dag_id",
    "fail_with_load_error",
    "format_problems",
    "load_unit",
    "make_error_dag",
    "record_import_errors",
]
