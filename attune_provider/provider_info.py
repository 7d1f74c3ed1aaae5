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
        "store_registrant": _option(
            "Name of this deployment's metadata database in the result store (letters, digits, - _ .). "
            "Empty means a hash of [database] sql_alchemy_conn without its password. Set it when two "
            "deployments sharing one store have identical database URLs.",
            "",
            example="production",
        ),
        "store_heartbeat_seconds": _option(
            "A process renews its deployment's lease in the result store at most this often (on a task write).",
            "300",
            type_="float",
        ),
        "store_lease_seconds": _option(
            "A registrant not seen for this long is reported by gc as expired; what it holds is still "
            "kept until gc --forget-registrant names it.",
            "604800",
            type_="float",
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
        "max_document_bytes": _option(
            "Largest workflow, action or pack YAML file the loader reads, in bytes; larger files "
            "are a load error naming this setting.",
            str(16 * 1024 * 1024),
            type_="integer",
        ),
        "max_yaml_depth": _option(
            "Deepest nesting of mappings and lists the loader accepts in one YAML file (at most 400).",
            "100",
            type_="integer",
        ),
        "max_yaml_alias_nodes": _option(
            "How many values YAML aliases (*name) may expand to in one file; bounds alias bombs.",
            "10000",
            type_="integer",
        ),
        "python_interpreter": _option(
            "Interpreter for python-runner pack actions. Empty means the one running Airflow.",
            "",
        ),
        "default_action_timeout": _option(
            "Seconds a process action (pack python/shell, core.local, core.shell) may run when "
            "neither the task's timeout nor the action's timeout_seconds is set; then the whole "
            "process group is killed and the outcome is timed_out. 0 means no limit. attune's "
            "default is 600.",
            "600",
            type_="float",
        ),
        "action_log_max_bytes": _option(
            "Bytes of each stream (stdout, stderr) of a process action streamed into the task "
            "log; the rest is counted and reported in one line. 0 means no limit.",
            "8388608",
            type_="integer",
        ),
        "artifacts_folder": _option(
            "Folder given to pack actions as ATTUNE_ARTIFACTS_DIR. Empty means "
            "$AIRFLOW_HOME/attune-artifacts.",
            "",
        ),
        "runtime_envs_folder": _option(
            "Folder given to pack actions as ATTUNE_RUNTIME_ENVS_DIR. Empty means "
            "$AIRFLOW_HOME/attune-runtime-envs.",
            "",
        ),
        "pack_env_folder": _option(
            "Where each pack's dependency environment (a virtualenv from requirements.txt, a "
            "node_modules from package.json) is built once and cached by pack, manifest hash and "
            "interpreter version. Use a local path on each worker. Empty means runtime_envs_folder.",
            "",
            example="/var/lib/attune/pack-envs",
        ),
        # template bounds (docs/expressions.md, "Limits"): read by expressions/limits.py
        "template_max_length": _option(
            "Largest text, list or repetition a template may build or render, in characters/elements.",
            "33554432",
            type_="integer",
        ),
        "template_max_loop_iterations": _option(
            "Loop iterations ({% for %}, nested loops counted together) of one template evaluation.",
            "1000000",
            type_="integer",
        ),
        "template_max_exponent": _option("Largest right operand of ** in a template.", "1024", type_="integer"),
        "template_max_integer_bits": _option(
            "Largest integer (in bits) a template's ** or * may produce.", "65536", type_="integer"
        ),
        "template_regex_timeout": _option(
            "Seconds one match(pattern, text) may run before it fails (catastrophic patterns).",
            "1.0",
            type_="float",
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
