"""``config``: a pack's configuration, read from where Airflow keeps such values.

attune keeps a pack's configuration in its database and shows it to templates as the read-only
``config`` namespace (``crates/executor/src/workflow/context.rs``: ``{{ config.api_token }}``,
"Pack configuration values (read-only)"), shaped by the pack's ``conf_schema``. On Airflow the
same values live in Variables, Connections and the secrets backends behind them. For pack ``P``
the value of ``config.<key>`` is the first of:

1. key ``<key>`` of the Airflow Variable ``attune_config_P`` (a JSON object; the env var
   ``AIRFLOW_VAR_ATTUNE_CONFIG_P``, a secrets backend or the metadata DB);
2. of the Airflow Connection ``attune_config_P`` (``AIRFLOW_CONN_ATTUNE_CONFIG_P``, a backend or
   the DB): a key of its ``extra`` JSON, or one of its fields ``host``, ``login``,
   ``password``, ``schema``, ``port``;
3. the pack's own ``config:`` block in ``pack.yaml``;
4. the ``default`` of ``<key>`` in the pack's ``conf_schema``.

Everything is read lazily, once per task process, and a value of a ``secret: true`` schema key
or a Connection's ``password`` is registered with Airflow's secrets masker before a template
sees it. A Variable that is not a JSON object is an error naming it, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from attune_provider.spec.model import PackSpec

__all__ = ["CONNECTION_FIELDS", "AirflowPackConfig", "config_source_id"]

CONNECTION_FIELDS = ("host", "login", "password", "schema", "port")
_UNREAD = object()


class PackConfigError(ValueError):
    """A configured source for a pack's config exists but cannot be read as one."""


def config_source_id(pack_ref: str) -> str:
    """The Variable and Connection id holding pack ``pack_ref``'s configuration."""
    return f"attune_config_{pack_ref}"


class AirflowPackConfig(Mapping[str, Any]):
    """The ``config`` namespace of one pack (read-only, lazy; see the module docstring)."""

    __slots__ = ("_connection", "_merged", "_pack", "_variable")

    def __init__(self, pack: PackSpec) -> None:
        self._pack = pack
        self._variable: Any = _UNREAD
        self._connection: Any = _UNREAD
        self._merged: dict[str, Any] | None = None

    def _from_variable(self) -> Mapping[str, Any]:
        if self._variable is _UNREAD:
            import json

            from airflow.sdk import Variable

            name = config_source_id(self._pack.ref)
            raw = Variable.get(name, default=None)
            if raw is None:
                self._variable = {}
            else:
                try:
                    value = json.loads(raw) if isinstance(raw, str) else raw
                except ValueError as exc:
                    raise PackConfigError(
                        f"Airflow Variable '{name}' (config of pack '{self._pack.ref}') is not JSON: {exc}"
                    ) from None
                if not isinstance(value, dict):
                    raise PackConfigError(
                        f"Airflow Variable '{name}' (config of pack '{self._pack.ref}') must be a JSON "
                        f"object of config keys, got {type(value).__name__}"
                    )
                self._variable = value
        return self._variable

    def _from_connection(self) -> Mapping[str, Any]:
        if self._connection is _UNREAD:
            from airflow.sdk import Connection
            from airflow.sdk.exceptions import AirflowNotFoundException

            try:
                connection = Connection.get(config_source_id(self._pack.ref))
            except AirflowNotFoundException:
                self._connection = {}
            else:
                values = {
                    name: getattr(connection, name)
                    for name in CONNECTION_FIELDS
                    if getattr(connection, name, None) not in (None, "")
                }
                values.update(connection.extra_dejson or {})
                self._connection = values
        return self._connection

    def _values(self) -> dict[str, Any]:
        if self._merged is None:
            pack = self._pack
            merged = {name: spec.default for name, spec in pack.conf_schema.items() if spec.has_default}
            merged.update(pack.config)
            connection = self._from_connection()
            merged.update(connection)
            merged.update(self._from_variable())
            self._mask(merged, connection)
            self._merged = merged
        return self._merged

    def _mask(self, values: Mapping[str, Any], connection: Mapping[str, Any]) -> None:
        from airflow.sdk.log import mask_secret

        secret_keys = {name for name, spec in self._pack.conf_schema.items() if spec.secret}
        if connection.get("password"):
            secret_keys.add("password")
        for key in secret_keys:
            value = values.get(key)
            if value not in (None, ""):
                mask_secret(value, name=key)

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())

    def __repr__(self) -> str:
        return f"AirflowPackConfig({self._pack.ref!r})"
