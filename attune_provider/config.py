"""The one configuration surface: every ``[attune]`` option, declared once, read one way.

To add an option (other branches do: keep to this pattern):

1. add an ``Option(...)`` to ``OPTIONS`` (name, type, default, description, example);
2. add a typed accessor named after it, decorated with ``@accessor``
   (``def my_option() -> int: return _integer("my_option")``).

``provider_info.py`` builds the provider's config metadata (what ``airflow config list`` and the
docs show) from ``OPTIONS``; ``tests/test_config.py`` fails unless ``OPTIONS``, the accessors and
that metadata name exactly the same options with matching types. Nothing else in the package
reads ``[attune]``: modules call the accessors.

Reading goes through Airflow's public ``conf.get`` (its own order: environment variable
``AIRFLOW__ATTUNE__<NAME>``, then airflow.cfg, then the default declared here). An empty value
means the default. Options marked ``airflow_free`` (the loader bounds) never import Airflow, so
``attune-airflow validate`` stays free of Airflow's start-up: they read the environment variable
always and airflow.cfg once Airflow's configuration is loaded anyway. A value that does not parse
raises ``ConfigError`` naming the option and its environment variable.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

SECTION = "attune"
VERSION_ADDED = "0.1.0"


class ConfigError(ValueError):
    """An ``[attune]`` option whose value cannot be used; the message names the option."""


@dataclass(frozen=True)
class Option:
    """One ``[attune]`` option as Airflow's provider config metadata declares it."""

    name: str
    type: str  # Airflow's metadata types: string, integer, float, boolean
    default: str
    description: str
    example: str | None = None
    minimum: float | None = None  # None: any number; 0: 0 or more; otherwise: above 0
    airflow_free: bool = False


def _opt(*args: Any, **kwargs: Any) -> tuple[str, Option]:
    option = Option(*args, **kwargs)
    return option.name, option


_POSITIVE = 1e-300  # "must be positive"
OPTIONS: dict[str, Option] = dict(
    [
        _opt("store_url", "string", "", "fsspec / ObjectStoragePath URL of the result store. Empty means "
             "file://$AIRFLOW_HOME/attune-store.", example="s3://my-bucket/attune-store"),
        _opt("store_conn_id", "string", "", "Airflow connection used for the store's object storage (e.g. an "
             "aws connection for s3://).", example="aws_default"),
        _opt("inline_threshold", "integer", "0", "Results whose JSON encoding is at most this many bytes stay "
             "inline in the XCom row.", example="1024"),
        _opt("offload", "string", "all", "Which DAGs' return values go to the result store: all (every DAG in "
             "the deployment, since [core] xcom_backend is global) or attune (only DAGs compiled from attune "
             "YAML; every other DAG keeps plain BaseXCom rows in the XCom table).", example="attune"),
        _opt("compression", "string", "none", "Per-element compression of stored objects: none or zstd (needs "
             "the zstandard package).", example="zstd"),
        _opt("cache_size", "integer", "4096", "Per-process cache of decoded store elements, in entries.",
             example="8192"),
        _opt("workflows_folder", "string", "", "Folder of attune workflow YAML files (standalone or packs) "
             "compiled into DAGs. Empty means $AIRFLOW_HOME/attune.", example="/opt/airflow/attune"),
        _opt("packs_folder", "string", "", "Colon-separated folders searched for attune packs (actions and "
             "workflows).", example="/opt/attune/packs:/srv/packs"),
        _opt("max_document_bytes", "integer", str(16 * 1024 * 1024), "Largest workflow, action or pack YAML "
             "file the loader reads, in bytes; larger files are a load error naming this setting.",
             example="1048576", minimum=_POSITIVE, airflow_free=True),
        _opt("max_yaml_depth", "integer", "100", "Deepest nesting of mappings and lists the loader accepts in "
             "one YAML file (at most 400).", example="50", minimum=_POSITIVE, airflow_free=True),
        _opt("max_yaml_alias_nodes", "integer", "10000", "How many values YAML aliases (*name) may expand to in "
             "one file; bounds alias bombs.", example="1000", minimum=_POSITIVE, airflow_free=True),
        _opt("python_interpreter", "string", "", "Interpreter for python-runner pack actions. Empty means the "
             "one running Airflow.", example="/opt/venvs/packs/bin/python"),
        _opt("default_action_timeout", "float", "600", "Seconds a process action (pack python/shell, "
             "core.local, core.shell) may run when neither the task's timeout nor the action's "
             "timeout_seconds is set; then the whole process group is killed and the outcome is timed_out. "
             "0 means no limit. attune's default is 600.", example="3600", minimum=0),
        _opt("action_log_max_bytes", "integer", "8388608", "Bytes of each stream (stdout, stderr) of a process "
             "action streamed into the task log; the rest is counted and reported in one line. 0 means no "
             "limit.", example="0", minimum=0),
        _opt("artifacts_folder", "string", "", "Folder given to pack actions as ATTUNE_ARTIFACTS_DIR. Empty "
             "means $AIRFLOW_HOME/attune-artifacts.", example="/srv/attune/artifacts"),
        _opt("runtime_envs_folder", "string", "", "Folder given to pack actions as ATTUNE_RUNTIME_ENVS_DIR. "
             "Empty means $AIRFLOW_HOME/attune-runtime-envs.", example="/srv/attune/runtime-envs"),
        _opt("pack_env_folder", "string", "", "Where each pack's dependency environment (a virtualenv from "
             "requirements.txt, a node_modules from package.json) is built once and cached by pack, manifest "
             "hash and interpreter version. Use a local path on each worker. Empty means runtime_envs_folder.",
             example="/var/lib/attune/pack-envs"),
        _opt("store_registrant", "string", "", "Name of this deployment's metadata database in the result "
             "store (letters, digits, - _ .). Empty means a hash of [database] sql_alchemy_conn without its "
             "password. Set it when two deployments sharing one store have identical database URLs.",
             example="production", airflow_free=True),
        _opt("store_heartbeat_seconds", "float", "300", "A process renews its deployment's lease in the result "
             "store at most this often (on a task write).", example="60", minimum=_POSITIVE, airflow_free=True),
        _opt("store_lease_seconds", "float", "604800", "A registrant not seen for this long is reported by gc as "
             "expired; what it holds is still kept until gc --forget-registrant names it.", example="86400",
             minimum=_POSITIVE, airflow_free=True),
        _opt("join_poke_interval", "float", "1.0", "Seconds between two checks of a join gate (a task with "
             "join: waiting for its inbound transitions).", example="5", minimum=_POSITIVE),
        # template bounds (docs/expressions.md, "Limits"): read by expressions/limits.py
        _opt("template_max_length", "integer", "33554432", "Largest text, list or repetition a template may "
             "build or render, in characters/elements.", example="1048576", minimum=_POSITIVE),
        _opt("template_max_loop_iterations", "integer", "1000000", "Loop iterations ({% for %}, nested loops "
             "counted together) of one template evaluation.", example="10000", minimum=_POSITIVE),
        _opt("template_max_exponent", "integer", "1024", "Largest right operand of ** in a template.",
             example="64", minimum=_POSITIVE),
        _opt("template_max_integer_bits", "integer", "65536", "Largest integer (in bits) a template's ** or * "
             "may produce.", example="4096", minimum=_POSITIVE),
        _opt("template_regex_timeout", "float", "1.0", "Seconds one match(pattern, text) may run before it "
             "fails (catastrophic patterns).", example="0.1", minimum=_POSITIVE),
    ]
)

#: option name -> its typed accessor (filled by ``@accessor``)
ACCESSORS: dict[str, Callable[[], Any]] = {}
F = TypeVar("F", bound=Callable[[], Any])


def accessor(function: F) -> F:
    """Register ``function`` as the typed accessor of the option of the same name."""
    if function.__name__ not in OPTIONS:
        raise ConfigError(f"accessor {function.__name__}() has no declared [attune] option")
    ACCESSORS[function.__name__] = function
    return function


def env_name(name: str) -> str:
    return f"AIRFLOW__{SECTION.upper()}__{name.upper()}"


def where(name: str) -> str:
    """How an option is named in errors: ``[attune] name (environment AIRFLOW__ATTUNE__NAME)``."""
    return f"[{SECTION}] {name} (environment {env_name(name)})"


def raw(name: str) -> str:
    """The option's text as configured (stripped); the declared default when unset or empty."""
    option = OPTIONS[name]
    value: str | None
    if option.airflow_free and "airflow.configuration" not in sys.modules:
        value = os.environ.get(env_name(name))
    else:
        try:
            from airflow.configuration import conf
        except ImportError:  # Airflow not installed: the environment and the defaults still apply
            value = os.environ.get(env_name(name))
        else:
            value = conf.get(SECTION, name, fallback=option.default)
    value = "" if value is None else str(value).strip()
    return value or option.default


def _number(name: str) -> float:
    option, text = OPTIONS[name], raw(name)
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"[{SECTION}] {name} must be a number, got {text!r} (environment {env_name(name)})") from None
    if option.type == "integer" and not value.is_integer():
        raise ConfigError(f"[{SECTION}] {name} must be a whole number, got {text!r} (environment {env_name(name)})")
    if value != value or (option.minimum is not None and value < option.minimum):
        bound = "0 or more" if option.minimum == 0 else "positive"
        raise ConfigError(f"[{SECTION}] {name} must be {bound}, got {text!r} (environment {env_name(name)})")
    return value


def _integer(name: str) -> int:
    return int(_number(name))


def _float(name: str) -> float:
    return _number(name)


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME", str(Path.home() / "airflow"))).resolve()


# --- the typed accessors: one per option, named after it ------------------------------------


@accessor
def store_url() -> str:
    return raw("store_url") or (airflow_home() / "attune-store").as_uri()


@accessor
def store_conn_id() -> str:
    return raw("store_conn_id")


@accessor
def inline_threshold() -> int:
    return _integer("inline_threshold")


@accessor
def offload() -> str:
    """``all`` or ``attune``; anything else is a ``ConfigError``."""
    value = raw("offload").lower()
    if value not in ("all", "attune"):
        raise ConfigError(f"[{SECTION}] offload = {value!r} ({env_name('offload')}): expected one of all, attune")
    return value


@accessor
def compression() -> str:
    return raw("compression").lower()


@accessor
def cache_size() -> int:
    return _integer("cache_size")


@accessor
def workflows_folder() -> Path:
    return Path(raw("workflows_folder") or airflow_home() / "attune")


@accessor
def packs_folder() -> tuple[Path, ...]:
    return tuple(Path(p) for p in raw("packs_folder").split(os.pathsep) if p.strip())


@accessor
def max_document_bytes() -> int:
    return _integer("max_document_bytes")


@accessor
def max_yaml_depth() -> int:
    return _integer("max_yaml_depth")


@accessor
def max_yaml_alias_nodes() -> int:
    return _integer("max_yaml_alias_nodes")


@accessor
def python_interpreter() -> str:
    return raw("python_interpreter")


@accessor
def default_action_timeout() -> float:
    return _float("default_action_timeout")


@accessor
def action_log_max_bytes() -> int:
    return _integer("action_log_max_bytes")


@accessor
def artifacts_folder() -> Path:
    return Path(raw("artifacts_folder") or airflow_home() / "attune-artifacts")


@accessor
def runtime_envs_folder() -> Path:
    return Path(raw("runtime_envs_folder") or airflow_home() / "attune-runtime-envs")


@accessor
def pack_env_folder() -> Path:
    return Path(raw("pack_env_folder") or runtime_envs_folder())


@accessor
def store_registrant() -> str:
    return raw("store_registrant").strip()


@accessor
def store_heartbeat_seconds() -> float:
    return _float("store_heartbeat_seconds")


@accessor
def store_lease_seconds() -> float:
    return _float("store_lease_seconds")


@accessor
def join_poke_interval() -> float:
    return _float("join_poke_interval")


@accessor
def template_max_length() -> int:
    return _integer("template_max_length")


@accessor
def template_max_loop_iterations() -> int:
    return _integer("template_max_loop_iterations")


@accessor
def template_max_exponent() -> int:
    return _integer("template_max_exponent")


@accessor
def template_max_integer_bits() -> int:
    return _integer("template_max_integer_bits")


@accessor
def template_regex_timeout() -> float:
    return _float("template_regex_timeout")


def provider_config_section() -> dict[str, Any]:
    """The ``config`` entry of the provider metadata (``provider_info.get_provider_info``)."""
    return {
        "description": "Settings of the attune provider: result store, workflow folders, runners.",
        "options": {
            o.name: {
                "description": o.description,
                "version_added": VERSION_ADDED,
                "type": o.type,
                "example": o.example,
                "default": o.default,
            }
            for o in OPTIONS.values()
        },
    }


@dataclass(frozen=True)
class AttuneSettings:
    store_url: str
    store_conn_id: str
    inline_threshold: int
    compression: str
    cache_size: int
    workflows_folder: Path
    packs_folders: tuple[Path, ...]
    python_interpreter: str
    pack_env_folder: Path


def settings() -> AttuneSettings:
    """The store and folder settings together (callers that want several at once)."""
    return AttuneSettings(
        store_url=store_url(),
        store_conn_id=store_conn_id(),
        inline_threshold=inline_threshold(),
        compression=compression(),
        cache_size=cache_size(),
        workflows_folder=workflows_folder(),
        packs_folders=packs_folder(),
        python_interpreter=python_interpreter(),
        pack_env_folder=pack_env_folder(),
    )
