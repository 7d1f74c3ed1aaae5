"""Keep ``secret: true`` values out of logs, captured output and stored results.

Values are registered with Airflow's secrets masker (so anything Airflow itself logs is
redacted too) and are also replaced locally before every line this package logs or stores:
Airflow's masker only acts inside a task process's log pipeline, and an action can run
outside one (CLI, tests). The result an action returns (``data`` included, keys too) is
masked with :meth:`SecretMasker.redact_value` before anyone can store or publish it.

A workflow's parameters marked ``secret: true`` are masked too: inside a task,
:func:`secrets_from_context` finds them on the DAG (the compiler gives their ``Param`` the
format ``password``). For other layers, :func:`secret_strings` collects the strings to mask
from any flat parameter schema; pass them to ``Action.run(..., secrets=...)``.
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


#: every secret this process has seen (secret parameters, keystore values, decrypted secret
#: variables): a task process serves one task instance, so this is that task's secrets
_KNOWN_SECRETS: set[str] = set()


def remember_secret(value: Any) -> None:
    """Add the strings of ``value`` to this process's known secrets (masked by every
    :class:`SecretMasker` built afterwards, and used by :func:`contains_secret`)."""
    _KNOWN_SECRETS.update(s for s in _strings(value) if len(s) >= MIN_SECRET_LENGTH)


def known_secrets() -> frozenset[str]:
    return frozenset(_KNOWN_SECRETS)


def contains_secret(value: Any) -> bool:
    """True if any string, key or number text inside ``value`` holds a known secret: the value
    is (derived from) a secret and must not be stored or shown in clear."""
    if not _KNOWN_SECRETS:
        return False
    texts = _strings(value)
    if isinstance(value, Mapping):
        texts += [str(key) for key in _keys(value)]
    return any(secret in text for text in texts for secret in _KNOWN_SECRETS)


def _keys(value: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            found.append(key)
            found.extend(_keys(item))
    elif isinstance(value, list | tuple):
        for item in value:
            found.extend(_keys(item))
    return found


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


#: how a compiled DAG marks a workflow parameter declared ``secret: true``
#: (``compiler/params.py`` gives its ``Param`` the JSON-schema format ``password``)
SECRET_PARAM_FORMAT = "password"


def secrets_from_context(context: Mapping[str, Any] | None) -> list[str]:
    """The values of the running DAG's parameters marked secret (an attune workflow's
    ``secret: true`` parameters), read from an Airflow task context; [] outside a task."""
    if not context:
        return []
    dag = context.get("dag")
    declared = getattr(dag, "params", None)
    values = context.get("params") or {}
    if declared is None or not hasattr(declared, "get_param"):
        return []
    found: list[str] = []
    for name in declared:
        schema = getattr(declared.get_param(name), "schema", None) or {}
        if schema.get("format") == SECRET_PARAM_FORMAT and name in values:
            found.extend(_strings(values[name]))
    return found


def _strings(value: Any) -> list[str]:
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping):
            for inner in item.values():
                walk(inner)
        elif isinstance(item, list | tuple):
            for inner in item:
                walk(inner)
        elif item is not None and not isinstance(item, bool):
            found.append(str(item))

    walk(value)
    return found


def secret_strings(parameters: Mapping[str, ParameterSpec], values: Mapping[str, Any]) -> list[str]:
    """Every string inside the values of ``secret: true`` parameters (recursively; numbers
    as their text), for :class:`SecretMasker` or ``Action.run(secrets=...)``."""
    found: list[str] = []
    for name, spec in parameters.items():
        if spec.secret and name in values:
            found.extend(_strings(values[name]))
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
