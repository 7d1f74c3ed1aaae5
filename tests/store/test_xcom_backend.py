"""AttuneXComBackend serialize/deserialize contract, without running a DAG."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from attune_provider.store import LazyMapping, LazySequence, ResultStore, is_reference
from attune_provider.xcom import AttuneXComBackend
from attune_provider.xcom.lookup import resolve


def _row(value):
    return SimpleNamespace(key="return_value", value=value)


def test_only_return_value_is_offloaded() -> None:
    for key in ("skipmixin_key", "custom", "trigger_run_id"):
        raw = AttuneXComBackend.serialize_value({"followed": ["a"]}, key=key)
        assert raw == {"followed": ["a"]}  # exactly what BaseXCom stores
        assert AttuneXComBackend.deserialize_value(_row(raw)) == {"followed": ["a"]}


def test_return_value_becomes_a_small_reference_with_preview() -> None:
    items = [{"id": i, "blob": "x" * 5000} for i in range(100)]
    ref = AttuneXComBackend.serialize_value(items, key="return_value", dag_id="d", task_id="t", run_id="r")
    assert is_reference(ref)
    assert ref["kind"] == "list" and ref["len"] == 100 and ref["bytes"] > 500_000
    first = ref["preview"]["first_items"]  # JSON items with long strings shortened (store/preview.py)
    assert [item["id"] for item in first] == [0, 1, 2] and len(first[0]["blob"]) < 100
    assert len(str(ref)) < 800
    view = resolve(ref)
    assert isinstance(view, LazySequence) and view[42] == items[42]
    as_dict = AttuneXComBackend.serialize_value({f"k{i}": i for i in range(20)}, key="return_value")
    assert as_dict["preview"]["value"] == {f"k{i}": i for i in range(20)}  # small: shown in full


def test_a_returned_view_is_stored_by_reference_again() -> None:
    value = {"data": {"items": [{"i": i, "pad": "p" * 1000} for i in range(100)]}}
    ref = AttuneXComBackend.serialize_value(value, key="return_value")
    view = resolve(ref)
    store = ResultStore.from_settings()
    written = store.stats.objects_written
    again = AttuneXComBackend.serialize_value(view, key="return_value")
    part = AttuneXComBackend.serialize_value(view["data"]["items"], key="return_value")
    assert store.stats.objects_written == written  # nothing re-encoded
    assert again["key"] == ref["key"] and again["path"] == []
    assert part["key"] == ref["key"] and part["path"] == ["data", "items"] and part["len"] == 100
    assert resolve(part)[5] == value["data"]["items"][5]


def test_outside_an_attune_task_values_come_back_plain() -> None:
    """API server, CLI, plain DAGs: the exact list/dict BaseXCom would give, never a view."""
    items = [{"id": i, "tags": ["a", "b"], "pad": "p" * 3000} for i in range(5)]
    back = AttuneXComBackend.deserialize_value(_row(AttuneXComBackend.serialize_value(items, key="return_value")))
    assert type(back) is list and type(back[0]) is dict and type(back[0]["tags"]) is list
    assert back == items
    mapping = {"a": 1, "nested": {"b": [1, 2]}}
    back = AttuneXComBackend.deserialize_value(_row(AttuneXComBackend.serialize_value(mapping, key="return_value")))
    assert type(back) is dict and back == mapping
    assert isinstance(resolve(AttuneXComBackend.serialize_value(mapping, key="return_value")), LazyMapping)


def test_inline_threshold_keeps_small_values_in_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__ATTUNE__INLINE_THRESHOLD", "1000")
    assert AttuneXComBackend.serialize_value({"small": 1}, key="return_value") == {"small": 1}
    big = AttuneXComBackend.serialize_value({"big": "x" * 2000}, key="return_value")
    assert is_reference(big)


def test_an_inline_value_never_opens_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deployment benchmark: with a threshold, a small value paid the S3 client's import anyway
    (the store and its lease were opened before the threshold was checked)."""
    monkeypatch.setenv("AIRFLOW__ATTUNE__INLINE_THRESHOLD", "1000")
    monkeypatch.setenv("AIRFLOW__ATTUNE__STORE_URL", "nosuchprotocol://bucket/attune-store")
    assert AttuneXComBackend.serialize_value({"small": 1}, key="return_value") == {"small": 1}
    with pytest.raises(Exception, match="nosuchprotocol"):
        AttuneXComBackend.serialize_value({"big": "x" * 2000}, key="return_value")


def test_missing_object_is_an_error_not_the_reference() -> None:
    ref = AttuneXComBackend.serialize_value(["a", "b"], key="return_value")
    ref = {**ref, "key": "0" * 64}
    with pytest.raises(FileNotFoundError, match="0" * 64):
        AttuneXComBackend.deserialize_value(_row(ref))


def test_purge_keeps_the_object_when_the_db_cannot_be_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow 3 workers have no DB access: purge must keep the object (gc decides later)."""
    import airflow.utils.session

    def no_db(*args, **kwargs):
        raise RuntimeError("direct database access is not allowed in this process")

    ref = AttuneXComBackend.serialize_value(["keep", "me"], key="return_value")
    monkeypatch.setattr(airflow.utils.session, "create_session", no_db)
    AttuneXComBackend.purge(_row(ref))
    assert ResultStore.from_settings().exists(ref["key"])


def test_purge_ignores_rows_that_are_not_references() -> None:
    AttuneXComBackend.purge(_row({"followed": ["a"]}))
    AttuneXComBackend.purge(_row("plain string"))
    AttuneXComBackend.purge(_row(None))
