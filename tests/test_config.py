"""``config.py``: one typed accessor per ``[attune]`` option, all declared in the provider metadata."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

import attune_provider
from attune_provider import config
from attune_provider.provider_info import get_provider_info

PACKAGE = Path(attune_provider.__file__).parent
PYTHON_TYPES = {"integer": {int}, "float": {float}, "string": {str, Path, tuple}}


def _declared() -> dict[str, dict]:
    return get_provider_info()["config"]["attune"]["options"]


def test_accessors_options_and_provider_metadata_name_the_same_options() -> None:
    assert set(config.ACCESSORS) == set(config.OPTIONS) == set(_declared())


@pytest.mark.parametrize("name", sorted(config.OPTIONS))
def test_each_option_is_fully_declared_and_its_accessor_returns_the_declared_type(name: str, monkeypatch) -> None:
    declared = _declared()[name]
    assert declared["description"] and declared["type"] in PYTHON_TYPES and declared["example"]
    assert declared["default"] == config.OPTIONS[name].default
    accessor = config.ACCESSORS[name]
    returns = typing.get_type_hints(accessor)["return"]
    assert typing.get_origin(returns) or returns in PYTHON_TYPES[declared["type"]], (name, returns)
    monkeypatch.delenv(config.env_name(name), raising=False)
    default = accessor()
    monkeypatch.setenv(config.env_name(name), declared["example"])
    example = accessor()
    for value in (default, example):
        assert isinstance(value, tuple(PYTHON_TYPES[declared["type"]])), (name, value)
    if declared["type"] != "string":
        assert example == float(declared["example"]) and default == float(declared["default"])


def test_airflow_sees_the_declared_section() -> None:
    """What Airflow itself loads through the provider entry point (and validates against its
    provider-info schema) is this metadata."""
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    manager.initialize_providers_configuration()
    assert manager.provider_configs  # the attune provider is installed in this venv
    configs = dict(manager.provider_configs)
    assert set(configs["airflow-provider-attune"]["attune"]["options"]) == set(config.OPTIONS)


def test_environment_wins_over_airflow_cfg_and_empty_means_default(monkeypatch) -> None:
    from airflow.configuration import conf

    monkeypatch.delenv("AIRFLOW__ATTUNE__CACHE_SIZE", raising=False)
    conf.set("attune", "cache_size", "111")
    try:
        assert config.cache_size() == 111
        monkeypatch.setenv("AIRFLOW__ATTUNE__CACHE_SIZE", "222")
        assert config.cache_size() == 222
        monkeypatch.setenv("AIRFLOW__ATTUNE__CACHE_SIZE", " ")
        assert config.cache_size() == 4096
    finally:
        conf.remove_option("attune", "cache_size")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("cache_size", "lots", "[attune] cache_size must be a number, got 'lots'"),
        ("max_yaml_depth", "1.5", "[attune] max_yaml_depth must be a whole number"),
        ("max_yaml_depth", "0", "[attune] max_yaml_depth must be positive"),
        ("default_action_timeout", "-1", "[attune] default_action_timeout must be 0 or more"),
        ("join_poke_interval", "soon", "[attune] join_poke_interval must be a number"),
        ("offload", "some", "[attune] offload = 'some'"),
    ],
)
def test_a_bad_value_is_a_located_error(name: str, value: str, message: str, monkeypatch) -> None:
    monkeypatch.setenv(config.env_name(name), value)
    with pytest.raises(config.ConfigError) as info:
        config.ACCESSORS[name]()
    assert message in str(info.value) and config.env_name(name) in str(info.value)


def test_join_poke_interval_reaches_the_compiled_gate(monkeypatch, tmp_path: Path) -> None:
    """The option that was undeclared: set through the environment, the join gate polls at it."""
    from attune_provider.compiler import compile_workflow
    from attune_provider.spec.loader import load_workflow_file

    workflow = tmp_path / "join.yaml"
    workflow.write_text(
        "ref: cfg.join\ntasks:\n"
        "  - {name: a, action: core.noop, next: [{do: [c]}]}\n"
        "  - {name: b, action: core.noop, next: [{do: [c]}]}\n"
        "  - {name: c, action: core.noop, join: 2}\n"
    )
    monkeypatch.setenv("AIRFLOW__ATTUNE__JOIN_POKE_INTERVAL", "7.5")
    dag = compile_workflow(load_workflow_file(workflow))
    gates = [t for t in dag.tasks if type(t).__name__ == "AttuneJoinGateOperator"]
    assert gates and all(g.poke_interval == 7.5 for g in gates)


READS = re.compile(
    r"environ(?:\.get)?\s*[\[(]\s*f?[\"']AIRFLOW__ATTUNE__|getenv\(\s*f?[\"']AIRFLOW__ATTUNE__"
    r"|conf\.get\w*\(\s*[\"']attune[\"']|config\._get\b|from attune_provider\.config import _"
)


def test_only_config_py_reads_the_attune_section() -> None:
    readers = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "config.py" and READS.search(path.read_text(encoding="utf-8"))
    ]
    assert readers == []
