"""Former home of the DAG loader; it now lives in :mod:`attune_provider.dag_loading`.

Kept so DAG files and code that import ``attune_provider.compiler.dag_loader`` keep working.
"""

from attune_provider.dag_loading import *  # noqa: F403
from attune_provider.dag_loading import __all__  # noqa: F401
