"""Secrets the UI views must not show: values of the run's ``secret: true`` workflow parameters.

The api-server does not share the task processes' secrets masker, so the views collect the
secret values themselves: which parameters are secret comes from the serialized DAG's params
(``format: password``, set by ``compiler/params.py`` for ``secret: true``) and their values from
the DAG run's ``conf`` and the workflow's defaults. Keys with sensitive names (Airflow's
``[core] sensitive_var_conn_names`` list: password, token, ...) are masked by Airflow's masker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
MIN_SECRET_CHARS = 3


def secret_param_names(params: Mapping[str, Any]) -> list[str]:
    """Names of params whose schema marks them secret (``format: password``)."""
    names = []
    for name, spec in params.items():
        schema = spec.get("schema", spec) if isinstance(spec, Mapping) else getattr(spec, "schema", {})
        if isinstance(schema, Mapping) and schema.get("format") == "password":
            names.append(name)
    return names


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


class Masker:
    """Replaces known secret strings and values under sensitive keys with ``***``."""

    def __init__(self, secrets: Iterable[Any] = ()) -> None:
        found = {s for value in secrets for s in _strings(value) if len(s) >= MIN_SECRET_CHARS}
        self.secrets = sorted(found, key=len, reverse=True)  # longest first: no partial leftovers

    def text(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def value(self, value: Any, name: str | None = None) -> Any:
        """``value`` with sensitive keys masked (Airflow's rule) and known secrets replaced."""
        try:
            from attune_provider._airflow_compat.secrets_masker import redact

            value = redact(value, name)
        except Exception:  # pragma: no cover - masker unavailable: known secrets still masked
            pass
        return self._replace(value)

    def _replace(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self._replace(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._replace(v) for v in value]
        return value


def _decoded(value: Any) -> Any:
    """Airflow's serialized encoding ``{"__var": x, "__type": ...}`` -> ``x`` (one level)."""
    if isinstance(value, Mapping) and "__var" in value and "__type" in value:
        return value["__var"]
    return value


def serialized_params(dag_id: str, session: Any) -> tuple[dict[str, dict[str, Any]], str | None] | None:
    """``({name: {"schema", "value"}}, fileloc)`` read from the serialized JSON, without building
    the DAG's operators (a result page must stay cheap for DAGs with thousands of tasks)."""
    from airflow.models.serialized_dag import SerializedDagModel

    model = SerializedDagModel.get(dag_id, session=session)
    if model is None:
        return None
    dag = (model.data or {}).get("dag") or {}
    params: dict[str, dict[str, Any]] = {}
    for entry in dag.get("params") or []:
        if isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[1], Mapping):
            name, raw = entry
            schema = _decoded(raw.get("schema"))
            params[str(name)] = {
                "schema": schema if isinstance(schema, Mapping) else {},
                "value": _decoded(raw.get("default")),
            }
    return params, dag.get("fileloc")


def run_masker(dag_id: str, run_id: str) -> Masker:
    """A masker for one DAG run: its secret params' triggered values and defaults."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        found = serialized_params(dag_id, session)
        conf = session.scalar(select(DagRun.conf).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
    if found is None:
        return Masker()
    params, fileloc = found
    names = secret_param_names(params)
    if not names:
        return Masker()
    values: list[Any] = [(conf or {}).get(name) for name in names]
    values += [params[name].get("value") for name in names]
    values += workflow_secret_defaults(dag_id, fileloc)
    return Masker(v for v in values if _is_value(v))


def _is_value(value: Any) -> bool:
    """False for a missing value and for an encoded marker such as Airflow's ``arg_not_set``."""
    return value is not None and not (isinstance(value, Mapping) and "__type" in value)


def workflow_secret_defaults(dag_id: str, fileloc: str | None) -> list[Any]:
    """Defaults of ``secret: true`` parameters (kept off the DAG; the runtime fills them)."""
    from attune_provider.plugins.workflow_data import load_workflow_spec

    spec = load_workflow_spec(dag_id, fileloc)
    if spec is None:
        return []
    return [p.default for p in spec.parameters.values() if p.secret and p.has_default]
