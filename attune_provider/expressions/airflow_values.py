"""Namespaces filled from Airflow: ``keystore`` (Airflow Variables) and ``system`` values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["AirflowVariableKeystore", "system_values"]


class AirflowVariableKeystore(Mapping[str, Any]):
    """``keystore``: Airflow Variables read lazily, each value registered with the masker.

    A value is fetched with ``airflow.sdk.Variable.get`` the first time a template reads it
    (so the secrets backends, env vars ``AIRFLOW_VAR_*`` included, are consulted) and is
    added to Airflow's secrets masker so it never shows in task logs, and remembered as a secret
    (``masking.remember_secret``) so values derived from it are sealed or masked.

    Only the keys a template names are ever read: iterating (``{{ keystore }}``,
    ``keystore.items()``) yields the keys already read, never every Airflow Variable.
    """

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            pass
        from airflow.sdk import Variable
        from airflow.sdk.exceptions import AirflowRuntimeError
        from airflow.sdk.log import mask_secret

        try:
            value = Variable.get(key)
        except AirflowRuntimeError as exc:
            raise KeyError(key) from exc
        from attune_provider.actions.masking import remember_secret

        mask_secret(value, name=key)
        remember_secret(value)
        self._cache[key] = value
        return value

    def _keys(self) -> list[str]:
        return list(self._cache)  # never list Airflow's Variables: read only what is named

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __repr__(self) -> str:
        return f"AirflowVariableKeystore(read={sorted(self._cache)})"


def system_values(airflow_context: Mapping[str, Any]) -> dict[str, Any]:
    """The ``system`` namespace from an Airflow task context (reference 10.2)."""
    dag_run = airflow_context.get("dag_run")
    ti = airflow_context.get("ti") or airflow_context.get("task_instance")
    dag = airflow_context.get("dag")
    return {
        "workflow_start": getattr(dag_run, "start_date", None),
        "run_id": airflow_context.get("run_id") or getattr(dag_run, "run_id", None),
        "dag_id": getattr(dag, "dag_id", None) or getattr(dag_run, "dag_id", None),
        "logical_date": airflow_context.get("logical_date"),
        "data_interval_start": airflow_context.get("data_interval_start"),
        "data_interval_end": airflow_context.get("data_interval_end"),
        "try_number": getattr(ti, "try_number", None),
        "task_id": getattr(ti, "task_id", None),
        "map_index": getattr(ti, "map_index", None),
        "run_type": getattr(dag_run, "run_type", None),
    }
