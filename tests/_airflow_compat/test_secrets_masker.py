"""``_airflow_compat.secrets_masker`` against the installed Airflow: red when an upgrade moves it."""

from __future__ import annotations

import inspect

from attune_provider._airflow_compat.secrets_masker import UPSTREAM_MODULE, redact


def test_the_upstream_redact_exists_with_the_mirrored_signature() -> None:
    import importlib

    upstream = importlib.import_module(UPSTREAM_MODULE).redact
    assert list(inspect.signature(upstream).parameters)[:2] == ["value", "name"]


def test_sensitive_keys_are_masked_as_airflow_masks_them() -> None:
    value = {"password": "hunter2", "api_key": "k-123", "host": "db.local", "nested": {"secret": "s"}}
    assert redact(value) == {"password": "***", "api_key": "***", "host": "db.local", "nested": {"secret": "***"}}
    assert redact("hunter2", "password") == "***"
    assert redact("plain", "hostname") == "plain"
