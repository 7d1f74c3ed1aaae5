"""The ``[attune] offload`` setting itself: parsing, registration and direct serialize calls."""

from __future__ import annotations

import pytest

from attune_provider.provider_info import get_provider_info
from attune_provider.store import is_reference
from attune_provider.xcom import AttuneXComBackend
from attune_provider.xcom.scope import offload_scope


def test_offload_is_registered_with_its_default() -> None:
    option = get_provider_info()["config"]["attune"]["options"]["offload"]
    assert option["default"] == "all"
    assert "attune" in option["description"]


def test_unknown_offload_value_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__ATTUNE__OFFLOAD", "some")
    with pytest.raises(ValueError, match=r"\[attune\] offload = 'some'.*all, attune"):
        offload_scope()
    with pytest.raises(ValueError, match="offload"):
        AttuneXComBackend.serialize_value([1, 2], key="return_value")


def test_attune_scope_outside_an_attune_task_stores_like_basexcom(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk.bases.xcom import BaseXCom

    value = {"rows": [1, 2, 3]}
    monkeypatch.setenv("AIRFLOW__ATTUNE__OFFLOAD", "attune")
    assert AttuneXComBackend.serialize_value(value, key="return_value") == BaseXCom.serialize_value(value)
    monkeypatch.setenv("AIRFLOW__ATTUNE__OFFLOAD", "all")
    assert is_reference(AttuneXComBackend.serialize_value(value, key="return_value"))
