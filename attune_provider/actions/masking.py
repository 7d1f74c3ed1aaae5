"""Keep ``secret: true`` values out of logs, captured output and stored results.

Values are registered with Airflow's secrets masker (so anything Airflow itself logs is
redacted too) and are also replaced locally before every line this package logs or stores:
Airflow's masker only acts inside a task process's log pipeline, and an action can run
outside one (CLI, tests). The result an action returns (``data`` included, keys too) is
masked with :meth:`SecretMasker.redact_value` before anyone can store or publish it.

For other layers: :func:`secret_strings` collects the strings to mask from any flat
parameter schema (a workflow's ``parameters`` marked ``secret: true``); pass them to
``Action.run(..., secrets=...)`` and the action masks them as it masks its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from attune_provider.spec.model import ParameterSpec

REPLACEMENT = "***"
#: shorter values are not masked (masking "1" or "ab" would garble every line); Airflow
#: itself skips secrets of 5 characters or fewer by default
MIN_SECRET_LENGTH = 3

_log = logging.getLogger(__name__)


class SecretMasker:
    """Replace known secret strings in text, longest first so overlapping secrets both vanish."""

    def __init__(self, secrets: Iterable[str] = ()):
        unique = {value for value in secrets if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH}
        # a multi-line secret is also masked line by line: output is logged per line
        for value in list(unique):
            unique.update(line for line in value.splitlines() if len(line) >= MIN_SECRET_LENGTH)
        self.secrets: tuple[str, ...] = tuple(sorted(unique, key=len, reverse=True))
        if self.secrets:
            _register_with_airflow(self.secrets)

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REPLACEMENT)
        return text

    def redact_value(self, value: Any) -> Any:
        """A copy of plain data with secrets replaced in every string, key and number whose
        text is a secret; ``value`` itself when there is nothing to mask."""
        if not self.secrets:
            return value
        return self._walk(value)

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, Mapping):
            return {self._walk(key) if isinstance(key, str) else key: self._walk(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._walk(item) for item in value]
        if isinstance(value, int | float) and not isinstance(value, bool) and str(value) in self.secrets:
            return REPLACEMENT
        return value


def secret_strings(parameters: Mapping[str, ParameterSpec], values: Mapping[str, Any]) -> list[str]:
    """Every string inside the values of ``secret: true`` parameters (recursively; numbers
    as their text), for :class:`SecretMasker` or ``Action.run(secrets=...)``."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif value is not None and not isinstance(value, bool):
            found.append(str(value))

    for name, spec in parameters.items():
        if spec.secret and name in values:
            walk(values[name])
    return found


def _register_with_airflow(secrets: Iterable[str]) -> None:
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - airflow is a hard dependency
        return
    for secret in secrets:
        try:
            mask_secret(secret)
        except Exception as exc:  # masking must never break the action itself
            _log.debug("could not register a secret with Airflow's masker: %s", exc)
