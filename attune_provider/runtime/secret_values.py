"""Which values of a run are secret, and keeping them sealed at rest and masked on screen.

A value is secret when it contains the text of a known secret (a ``secret: true`` parameter, a
keystore value, an unsealed variable: ``masking.remember_secret``), or when the template that
made it reads one by name (``parameters.<secret>``, ``keystore``, ``vars.<sealed variable>``),
which also catches values transformed beyond recognition (``{{ keystore.k | b64encode }}``).

* published variables: secret ones are sealed (``store.sealed``) before the variable record is
  written, and unsealed (and remembered as secrets) when a task builds its context;
* the run's result (``output_map``): secret values are masked with ``***``, like an action's
  result, because ``show``, the UI and the CLI print it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from attune_provider.actions.masking import (
    REPLACEMENT,
    SecretMasker,
    contains_secret,
    known_secrets,
    remember_secret,
)
from attune_provider.spec.templates import PARAMETER_NAMESPACES, VARIABLE_NAMESPACES, namespace_references
from attune_provider.store.sealed import is_sealed, seal, seal_text, unseal


def secret_parameter_names(parameters: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(name for name, spec in parameters.items() if getattr(spec, "secret", False))


def remember_parameters(parameters: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Remember the values of ``secret: true`` parameters (defaults included) as secrets."""
    for name in secret_parameter_names(parameters):
        if values.get(name) not in (None, ""):
            remember_secret(values[name])


def reads_secret(raw: Any, secret_parameters: Collection[str], sealed_variables: Collection[str]) -> bool:
    """True if the template ``raw`` (or one inside a list/mapping) names a secret: a secret
    parameter, keystore, a sealed variable."""
    if isinstance(raw, Mapping):
        return any(reads_secret(item, secret_parameters, sealed_variables) for item in raw.values())
    if isinstance(raw, list | tuple):
        return any(reads_secret(item, secret_parameters, sealed_variables) for item in raw)
    if not isinstance(raw, str):
        return False
    if "keystore" in raw:
        return True
    for namespace, key in namespace_references(raw):
        if namespace in PARAMETER_NAMESPACES and key in secret_parameters:
            return True
        if namespace in VARIABLE_NAMESPACES and key in sealed_variables:
            return True
    return False


def unseal_variables(stored: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """(variables with sealed values decrypted, names of the sealed ones); each decrypted value
    is remembered as a secret, so masks and ``contains_secret`` know it."""
    values: dict[str, Any] = {}
    sealed: set[str] = set()
    for name, value in stored.items():
        if is_sealed(value):
            value = unseal(value)
            remember_secret(value)
            sealed.add(name)
        values[name] = value
    return values, frozenset(sealed)


def seal_updates(
    updates: Mapping[str, Any],
    templates: Mapping[str, Any],
    secret_parameters: Collection[str],
    sealed_variables: Collection[str],
) -> tuple[dict[str, Any], list[str]]:
    """(updates with every secret value sealed, names sealed). ``templates``: variable -> the
    publish template that produced it."""
    out: dict[str, Any] = {}
    names: list[str] = []
    for name, value in updates.items():
        if contains_secret(value) or reads_secret(templates.get(name), secret_parameters, sealed_variables):
            out[name] = seal(value)
            names.append(name)
        else:
            out[name] = value
    return out, names


def masked_output(
    output: Mapping[str, Any],
    templates: Mapping[str, Any],
    secret_parameters: Collection[str],
    sealed_variables: Collection[str],
) -> dict[str, Any]:
    """``output_map`` values with secrets masked: a key whose template names a secret becomes
    ``***`` whole; known secret texts inside the others are replaced."""
    masker = SecretMasker(known_secrets())
    out: dict[str, Any] = {}
    for key, value in output.items():
        if reads_secret(templates.get(key), secret_parameters, sealed_variables):
            out[key] = REPLACEMENT
        else:
            out[key] = masker.redact_value(value)
    return out


def sealed_child_conf(
    raw_input: Mapping[str, Any] | None,
    conf: Mapping[str, Any],
    secret_parameters: Collection[str],
    sealed_variables: Collection[str],
) -> dict[str, Any]:
    """A nested child's run conf with every field that is (or was made from) a secret sealed, so
    the child's ``dag_run.conf`` never holds it in clear; the child unseals it
    (``runtime.context.unsealed_parameters``) whether or not it declares the field secret."""
    raw = raw_input or {}
    out = dict(conf)
    for key, value in conf.items():
        if value in (None, "") or is_sealed(value):
            continue
        if reads_secret(raw.get(key), secret_parameters, sealed_variables) or contains_secret(value):
            out[key] = seal_text(value)
    return out
