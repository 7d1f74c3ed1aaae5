"""Keep ``secret: true`` values out of logs and captured output.

Values are registered with Airflow's secrets masker (so anything Airflow itself logs is
redacted too) and are also replaced locally before every line this package logs or stores:
Airflow's masker only acts inside a task process's log pipeline, and an action can run
outside one (CLI, tests).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

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
