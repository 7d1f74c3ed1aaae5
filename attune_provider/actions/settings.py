"""The ``[attune]`` settings the action layer reads, checked with a located error.

A bad value names the setting and how it was given (``[attune] default_action_timeout`` or
``AIRFLOW__ATTUNE__DEFAULT_ACTION_TIMEOUT``), instead of failing deep inside a run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from attune_provider.actions.result import ActionResult
from attune_provider.config import SECTION, _get, airflow_home

#: attune's app-level default (``app_default_execution_timeout_seconds``): 600 s
DEFAULT_ACTION_TIMEOUT = 600.0
#: bytes of one stream (stdout or stderr) written to the task log before the rest is dropped
DEFAULT_LOG_LIMIT = 8 * 1024 * 1024


class ActionSettingError(ValueError):
    """An ``[attune]`` option with a value the action layer cannot use."""


def _where(option: str) -> str:
    return f"[{SECTION}] {option} (env AIRFLOW__{SECTION.upper()}__{option.upper()})"


def _number(option: str, default: float) -> float:
    raw = _get(option, "").strip()
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ActionSettingError(f"{_where(option)} = {raw!r} is not a number") from None
    if value < 0 or value != value:
        raise ActionSettingError(f"{_where(option)} = {raw!r} must be 0 or more")
    return value


def default_action_timeout() -> float | None:
    """Seconds a process action may run when neither the task nor the action sets a timeout
    (``[attune] default_action_timeout``; 0 = no limit)."""
    value = _number("default_action_timeout", DEFAULT_ACTION_TIMEOUT)
    return value or None


def with_default_timeout_note(result: ActionResult) -> ActionResult:
    """Say where the limit came from when the default timeout ended an action."""
    if not result.timed_out or result.error is None:
        return result
    note = (
        " (the [attune] default_action_timeout; set the task's timeout or the action's "
        "timeout_seconds for this action, or 0 in the setting for no limit)"
    )
    return dataclasses.replace(result, error=result.error + note)


def action_log_limit() -> int | None:
    """Bytes per stream streamed into the task log (``[attune] action_log_max_bytes``; 0 = all)."""
    value = int(_number("action_log_max_bytes", DEFAULT_LOG_LIMIT))
    return value or None


def artifacts_dir() -> Path:
    """``ATTUNE_ARTIFACTS_DIR`` for pack actions: ``$AIRFLOW_HOME/attune-artifacts`` unless set."""
    return Path(_get("artifacts_folder", "") or airflow_home() / "attune-artifacts")


def runtime_envs_dir() -> Path:
    """``ATTUNE_RUNTIME_ENVS_DIR``: where attune keeps per-pack runtime environments."""
    return Path(_get("runtime_envs_folder", "") or airflow_home() / "attune-runtime-envs")
