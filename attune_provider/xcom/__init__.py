"""The attune XCom backend: task results kept once in the result store, rows hold references.

``[core] xcom_backend = attune_provider.xcom.AttuneXComBackend``. Modules:

* ``backend``   -- the ``BaseXCom`` subclass (serialize, deserialize, purge);
* ``scope``     -- which DAGs are offloaded (``[attune] offload``) and which get lazy views;
* ``consumers`` -- what Airflow itself needs when it consumes a value (real dicts, lazy lists);
* ``lookup``    -- XCom row to value for the CLI and the UI, without a running task.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AttuneXComBackend", "other_references"]


def __getattr__(name: str) -> Any:
    """Import the backend (and Airflow) only when asked: the CLI imports ``lookup`` without them."""
    if name in __all__:
        from attune_provider.xcom import backend

        return getattr(backend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
