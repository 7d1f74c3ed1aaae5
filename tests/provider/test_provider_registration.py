"""The provider is discoverable by Airflow and registers its [attune] config section (reference 12.6)."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points

from attune_provider.provider_info import get_provider_info


def test_entry_point_points_at_provider_info() -> None:
    (ep,) = [e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("attune_provider")]
    info = ep.load()()
    assert info["package-name"] == "airflow-provider-attune"
    assert info == get_provider_info()


def test_config_section_lists_every_setting() -> None:
    options = get_provider_info()["config"]["attune"]["options"]
    expected = {"store_url", "inline_threshold", "compression", "cache_size", "workflows_folder", "packs_folder"}
    assert expected <= set(options)
    for name, option in options.items():
        assert option["description"], name
        assert "default" in option, name


def _airflow(*args: str) -> subprocess.CompletedProcess[str]:
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    return subprocess.run([airflow, *args], capture_output=True, text=True, timeout=300, env=os.environ.copy())


def test_airflow_providers_list_shows_the_provider(airflow_db) -> None:
    result = _airflow("providers", "list", "--output", "plain")
    assert result.returncode == 0, result.stderr
    assert "airflow-provider-attune" in result.stdout


def test_airflow_config_knows_the_attune_section(airflow_db) -> None:
    result = _airflow("config", "get-value", "attune", "cache_size")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "4096"
