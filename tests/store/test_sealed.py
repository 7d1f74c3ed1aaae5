"""Sealing secret values with Airflow's Fernet key (store/sealed.py)."""

from __future__ import annotations

import json

import pytest

from attune_provider.store.sealed import SealError, is_sealed, seal, seal_text, unseal, unseal_text


def test_sealed_values_hold_no_clear_text_and_round_trip():
    value = {"auth": "Bearer seal-SECRET-1212", "n": 3}
    envelope = seal(value)
    assert is_sealed(envelope) and "seal-SECRET-1212" not in json.dumps(envelope)
    assert unseal(envelope) == value
    text = seal_text("seal-SECRET-1212")
    assert "seal-SECRET-1212" not in text and unseal_text(text) == "seal-SECRET-1212"
    assert unseal("plain") == "plain" and unseal_text("plain") == "plain"


@pytest.fixture
def fernet_key(monkeypatch):
    """Set [core] fernet_key for one test (Airflow caches get_fernet(): cleared around it)."""
    from airflow.models.crypto import get_fernet

    def use(key: str) -> None:
        monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", key)
        get_fernet.cache_clear()

    yield use
    monkeypatch.undo()
    get_fernet.cache_clear()


def test_without_a_fernet_key_sealing_refuses_instead_of_storing_clear(fernet_key):
    fernet_key("")
    with pytest.raises(SealError, match="fernet_key"):
        seal("seal-SECRET-1313")


def test_a_token_sealed_with_another_key_is_a_loud_error(fernet_key):
    envelope = seal("seal-SECRET-1414")
    fernet_key("Jt3o3C6Y2P8s2sQ4mXk0d0Yq7b5o9Zr1w2e3r4t5y6U=")
    with pytest.raises(SealError, match="cannot be decrypted"):
        unseal(envelope)
