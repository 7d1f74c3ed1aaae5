"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""

from __future__ import annotations

from typing import Any

from attune_provider import __version__


def _option(description: str, default: str, type_: str = "string", example: str | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "version_added": "0.1.0",
        "type": type_,
        "example": example,
        "default": default,
    }


CONFIG_SECTION: dict[str, Any] = {
    "description": "Settings of the attune provider: result store, workflow folders, runners.",
    "options": {
        "store_url": _option(
            "fsspec / ObjectStoragePath URL of the result store. Empty means "
            "file://$AIRFLOW_HOME/attune-store.",
            "",
            example="s3://my-bucket/attune-store",
        ),
        "store_conn_id": _option(
            "Airflow connection used for the store's object storage (e.g. an aws connection for s3://).",
            "",
            example="aws_default",
        ),
        "inline_threshold": _option(
            "Results whose JSON encoding is at most this many bytes stay inline in the XCom row.",
            "0",
            type_="integer",
        ),
        "offload": _option(
            "Which DAGs' return values go to the result store: all (every DAG in the deployment, "
            "since [core] xcom_backend is global) or attune (only DAGs compiled from attune YAML; "
            "every other DAG keeps plain BaseXCom rows in the XCom table).",
            "all",
            example="attune",
        ),
        "compression": _option(
            "Per-element compression of stored objects: none or zstd (needs the zstandard package).",
            "none",
            example="zstd",
        ),
        "cache_size": _option(
            "Per-process cache of decoded store elements, in entries.",
            "4096",
            type_="integer",
        ),
        "workflows_folder": _option(
            "Folder of attune workflow YAML files (standalone or packs) compiled into DAGs. Empty "
            "means $AIRFLOW_HOME/attune.",
            "",
        ),
        "packs_folder": _option(
            "Colon-separated folders searched for attune packs (actions and workflows).",
            "",
        ),
        "python_interpreter": _option(
            "Interpreter for python-runner pack actions. Empty means the one running Airflow.",
            "",
        ),
    },
}


def get_provider_info() -> dict[str, Any]:
    """Return what ``airflow providers list`` and the config machinery read."""
    return {
        "package-name": "airflow-provider-attune",
        "name": "attune",
        "description": "Compile attune YAML workflows into Airflow DAGs with by-reference task results.",
        "versions": [__version__],
        "config": {"attune": CONFIG_SECTION},
        "cli": ["attune_provider.cli.airflow_commands.get_cli_commands"],
        "plugins": [
            {"name": "attune", "plugin-class": "attune_provider.plugins.attune_plugin.AttunePlugin"},
        ],
    }
