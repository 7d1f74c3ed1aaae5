"""The ``config`` namespace from Airflow Variables, Connections and secrets backends (issue 21 point 2).

attune's ``config`` is the pack's configuration (``crates/executor/src/workflow/context.rs``,
"Pack configuration values (read-only)"). The values come through Airflow's own lookups: the
env-var secrets backend (``AIRFLOW_VAR_*`` / ``AIRFLOW_CONN_*``) stands in for any backend here.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

import pytest

from attune_provider.expressions import WorkflowContext
from attune_provider.expressions.engine import render
from attune_provider.runtime.pack_config import AirflowPackConfig, PackConfigError, config_source_id
from attune_provider.spec.model import PackSpec, ParameterSpec

SECRET = "pack-config-S3cret-value"


def _pack(ref: str) -> PackSpec:
    schema = {
        "region": ParameterSpec(name="region", type="string", has_default=True, default="us-east-1"),
        "api_token": ParameterSpec(name="api_token", type="string", secret=True),
        "retries": ParameterSpec(name="retries", type="integer", has_default=True, default=1),
    }
    return PackSpec(
        ref=ref,
        path=Path("/nonexistent"),
        conf_schema=MappingProxyType(schema),
        config=MappingProxyType({"retries": 2, "endpoint": "https://pack.yaml.example"}),
    )


def _env(monkeypatch, ref: str, variable=None, connection=None) -> None:
    name = config_source_id(ref).upper()
    if variable is not None:
        monkeypatch.setenv(f"AIRFLOW_VAR_{name}", variable if isinstance(variable, str) else json.dumps(variable))
    if connection is not None:
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(connection))


def test_precedence_variable_then_connection_then_pack_yaml_then_schema_default(monkeypatch):
    ref = "cfgprec"
    _env(
        monkeypatch,
        ref,
        variable={"endpoint": "https://variable.example"},
        connection={"conn_type": "generic", "login": "svc", "password": SECRET, "extra": {"region": "eu-west-1"}},
    )
    config = AirflowPackConfig(_pack(ref))
    assert config["endpoint"] == "https://variable.example"  # Variable wins over pack.yaml
    assert config["region"] == "eu-west-1"  # Connection extra wins over the schema default
    assert (config["login"], config["password"]) == ("svc", SECRET)  # Connection fields
    assert config["retries"] == 2  # pack.yaml config wins over the schema default
    assert "api_token" not in config  # no default and nobody set it: absent, renders as null


def test_without_airflow_values_the_pack_yaml_and_defaults_remain():
    config = AirflowPackConfig(_pack("cfgnone"))
    assert dict(config) == {"region": "us-east-1", "retries": 2, "endpoint": "https://pack.yaml.example"}


def test_templates_read_config_and_secrets_are_masked(monkeypatch):
    from airflow.sdk.log import redact

    ref = "cfgmask"
    _env(monkeypatch, ref, variable={"api_token": SECRET})
    ctx = WorkflowContext(parameters={}, config=AirflowPackConfig(_pack(ref)))
    assert render("{{ config.api_token }}", ctx) == SECRET
    assert render("{{ config.region }}/{{ config.missing }}", ctx) == "us-east-1/"
    assert SECRET not in str(redact(f"token {SECRET} leaked"))  # secret: true in conf_schema


@pytest.mark.parametrize("bad", ["not json at all", "[1, 2]"])
def test_a_variable_that_is_not_a_json_object_is_a_loud_error_naming_it(monkeypatch, bad):
    ref = "cfgbad"
    _env(monkeypatch, ref, variable=bad)
    with pytest.raises(PackConfigError, match="Airflow Variable 'attune_config_cfgbad'"):
        AirflowPackConfig(_pack(ref))["region"]
