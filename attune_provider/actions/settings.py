"""The ``[attune]`` settings the action layer reads, checked with a located error.

A bad value names the setting and how it was given (``[attune] default_action_timeout`` or
``AIRFLOW__ATTUNE__DEFAULT_ACTION_TIMEOUT``), instead of failing deep inside a run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from attune_provider import config
from attune_provider.actions.result import ActionResult

#: a bad value: ``config.ConfigError`` names the option and its environment variable
ActionSettingError = config.ConfigError


def default_action_timeout() -> float | None:
    """Seconds a process action may run when neither the task nor the action sets a timeout
    (``[attune] default_action_timeout``; 0 = no limit)."""
    value = config.default_action_timeout()
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
    value = config.action_log_max_bytes()
    return value or None


def artifacts_dir() -> Path:
    """``ATTUNE_ARTIFACTS_DIR`` for pack actions: ``$AIRFLOW_HOME/attune-artifacts`` unless set."""
    return config.artifacts_folder()


def runtime_envs_dir() -> Path:
    """``ATTUNE_RUNTIME_ENVS_DIR``: where attune keeps per-pack runtime environments."""
    return config.runtime_envs_folder()
