"""Airflow's secrets masker ``redact``: sensitive keys and registered secrets replaced by ``***``.

Mirrors (Airflow 3.3.2):
  https://github.com/apache/airflow/blob/3.3.2/task-sdk/src/airflow/sdk/_shared/secrets_masker/secrets_masker.py
  (``redact(value, name=None, max_depth=None, replacement="***")``)

Why no public way: Airflow 3.3 exports no ``redact``. The old public module
``airflow.sdk.execution_time.secrets_masker`` is deprecated (it warns on import) and its own
deprecation message says to import from ``airflow.sdk._shared.secrets_masker``, which is what
Airflow's task runner and ``airflow.sdk.log`` do. Result previews in the UI and the CLI's output
must mask exactly what Airflow's logs mask, so attune uses the same function.

If an upgrade moves it, ``redact`` raises a located ``ImportError`` (callers keep masking the
secrets they know); ``tests/_airflow_compat/test_secrets_masker.py`` turns red.
"""

from __future__ import annotations

from typing import Any

UPSTREAM_MODULE = "airflow.sdk._shared.secrets_masker"


def redact(value: Any, name: str | None = None) -> Any:
    """``value`` with Airflow's masking applied (sensitive key names, registered secrets)."""
    try:
        from airflow.sdk._shared.secrets_masker import redact as airflow_redact
    except ImportError as exc:
        raise ImportError(
            f"attune_provider/_airflow_compat/secrets_masker.py: {UPSTREAM_MODULE}.redact is gone in this "
            f"Airflow ({exc}); update this compat item"
        ) from exc
    return airflow_redact(value, name)
