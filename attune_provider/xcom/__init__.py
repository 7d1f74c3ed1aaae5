"""The attune XCom backend: task results kept once in the result store, rows hold references.

``[core] xcom_backend = attune_provider.xcom.AttuneXComBackend``. Modules:

* ``backend``   -- the ``BaseXCom`` subclass (serialize, deserialize, purge);
* ``scope``     -- which DAGs are offloaded (``[attune] offload``) and which get lazy views;
* ``consumers`` -- what Airflow itself needs when it consumes a value (real dicts, lazy lists);
* ``lookup``    -- XCom row to value for the CLI and the UI, without a running task.
"""

from __future__ import annotations

from attune_provider.xcom.backend import AttuneXComBackend, other_references

__all__ = ["AttuneXComBackend", "other_references"]
