"""Typed access to the ``[attune]`` config section, with the provider's defaults.

Read lazily so importing the package never forces Airflow's configuration to load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SECTION = "attune"


def _get(option: str, fallback: str) -> str:
    env = os.environ.get(f"AIRFLOW__{SECTION.upper()}__{option.upper()}")
    if env is not None:
        return env
    try:
        from airflow.configuration import conf

        return conf.get(SECTION, option, fallback=fallback)
    except Exception:  # airflow not importable or section unknown
        return fallback


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME", str(Path.home() / "airflow"))).resolve()


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
    """Current settings; environment variables ``AIRFLOW__ATTUNE__*`` win over airflow.cfg."""
    home = airflow_home()
    store_url = _get("store_url", "") or (home / "attune-store").as_uri()
    workflows = _get("workflows_folder", "") or str(home / "attune")
    packs = [Path(p) for p in _get("packs_folder", "").split(os.pathsep) if p.strip()]
    return AttuneSettings(
        store_url=store_url,
        store_conn_id=_get("store_conn_id", ""),
        inline_threshold=int(_get("inline_threshold", "0") or 0),
        compression=(_get("compression", "none") or "none").lower(),
        cache_size=int(_get("cache_size", "4096") or 4096),
        workflows_folder=Path(workflows),
        packs_folders=tuple(packs),
        python_interpreter=_get("python_interpreter", ""),
        pack_env_folder=Path(
            _get("pack_env_folder", "") or _get("runtime_envs_folder", "") or home / "attune-runtime-envs"
        ),
    )
