"""Secret values at rest: sealed with Airflow's Fernet key, as Airflow seals Variables and Connections.

A value derived from a secret (it contains a ``secret: true`` parameter's value, a keystore
value or another sealed value) is never written in clear: it is stored as an envelope
``{"__attune_sealed__": 1, "fernet": "<token>"}`` whose token is the value's JSON encrypted with
``airflow.models.crypto.get_fernet()`` ([core] fernet_key, key rotation included). Readers that
need the value (the next task's context) unseal it and register it as a secret, so it is masked
wherever it is shown; readers that only display (``show``, the UI) see the envelope.

Without a Fernet key Airflow would store in clear; sealing refuses instead (a loud error naming
the setting), because a secret in clear on disk is the failure this module exists to prevent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SEALED_KEY = "__attune_sealed__"
TOKEN_KEY = "fernet"


class SealError(RuntimeError):
    """A secret value cannot be sealed or unsealed (no Fernet key, wrong key, damaged token)."""


def _fernet() -> Any:
    from airflow.models.crypto import get_fernet

    fernet = get_fernet()
    if not getattr(fernet, "is_encrypted", False):
        raise SealError(
            "a value derived from a secret cannot be stored: Airflow has no Fernet key "
            "([core] fernet_key, env AIRFLOW__CORE__FERNET_KEY), so it would be written in clear"
        )
    return fernet


def seal(value: Any) -> dict[str, Any]:
    """The envelope holding ``value`` (plain JSON data) encrypted with Airflow's Fernet key."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    token = _fernet().encrypt(text.encode("utf-8")).decode("ascii")
    return {SEALED_KEY: 1, TOKEN_KEY: token}


def is_sealed(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SEALED_KEY) == 1 and isinstance(value.get(TOKEN_KEY), str)


def unseal(value: Any) -> Any:
    """The value inside an envelope (``value`` itself when it is not one)."""
    if not is_sealed(value):
        return value
    try:
        text = _fernet().decrypt(value[TOKEN_KEY].encode("ascii"))
    except SealError:
        raise
    except Exception as exc:  # cryptography's InvalidToken: another key, or a damaged token
        raise SealError(f"a sealed secret value cannot be decrypted with [core] fernet_key: {exc!r}") from None
    return json.loads(text)


#: prefix of a sealed secret carried as text (a triggered run's conf: the Param stays a string)
TEXT_PREFIX = "attune-sealed:v1:"


def seal_text(value: Any) -> str:
    """``value`` sealed into one string (it passes a ``type: string`` Param's validation)."""
    return TEXT_PREFIX + seal(value)[TOKEN_KEY]


def is_sealed_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(TEXT_PREFIX)


def unseal_text(value: Any) -> Any:
    """The value inside a sealed string (``value`` itself when it is not one)."""
    if not is_sealed_text(value):
        return value
    return unseal({SEALED_KEY: 1, TOKEN_KEY: value[len(TEXT_PREFIX) :]})
