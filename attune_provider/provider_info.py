"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""

from __future__ import annotations

from typing import Any

from attune_provider import __version__
from attune_provider.config import provider_config_section


def get_provider_info() -> dict[str, Any]:
    """Return what ``airflow providers list`` and the config machinery read."""
    return {
        "package-name": "airflow-provider-attune",
        "name": "attune",
        "description": "Compile attune YAML workflows into Airflow DAGs with by-reference task results.",
        "versions": [__version__],
        "config": {"attune": provider_config_section()},
        "cli": ["attune_provider.cli.airflow_commands.get_cli_commands"],
        "plugins": [
            {"name": "attune", "plugin-class": "attune_provider.plugins.attune_plugin.AttunePlugin"},
        ],
    }
