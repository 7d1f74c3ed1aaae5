"""reference 12.4 default store location and reference 12.6 ``[attune]`` settings as the store reads them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from attune_provider.config import settings
from attune_provider.store import ResultStore

ENV = "AIRFLOW__ATTUNE__"


def test_default_store_is_a_file_url_under_airflow_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "airflow-home"
    home.mkdir()
    monkeypatch.setenv("AIRFLOW_HOME", str(home))
    monkeypatch.delenv(f"{ENV}STORE_URL", raising=False)
    configured = settings()
    assert configured.store_url == (home.resolve() / "attune-store").as_uri()
    assert configured.workflows_folder == home.resolve() / "attune"
    store = ResultStore(configured.store_url)
    key = store.put({"where": "home"})
    assert (home / "attune-store" / "objects" / key[:2] / key).is_file()
    assert dict(ResultStore(configured.store_url).load(key)) == {"where": "home"}


def test_environment_settings_reach_the_shared_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = (tmp_path / "configured-store").as_uri()
    monkeypatch.setenv(f"{ENV}STORE_URL", url)
    monkeypatch.setenv(f"{ENV}COMPRESSION", "ZSTD")
    monkeypatch.setenv(f"{ENV}CACHE_SIZE", "7")
    monkeypatch.setenv(f"{ENV}INLINE_THRESHOLD", "123")
    monkeypatch.setenv(f"{ENV}WORKFLOWS_FOLDER", str(tmp_path / "flows"))
    monkeypatch.setenv(f"{ENV}PACKS_FOLDER", os.pathsep.join([str(tmp_path / "p1"), str(tmp_path / "p2")]))
    configured = settings()
    assert configured.store_url == url
    assert configured.compression == "zstd"
    assert configured.cache_size == 7 and configured.inline_threshold == 123
    assert configured.workflows_folder == tmp_path / "flows"
    assert configured.packs_folders == (tmp_path / "p1", tmp_path / "p2")
    store = ResultStore.from_settings()
    assert store.url == url and store.compression == "zstd"
    assert ResultStore.from_settings() is store  # one instance per settings: one cache per process
    key = store.put(["a"] * 100)
    assert (tmp_path / "configured-store" / "objects" / key[:2] / key).is_file()


def test_memory_store_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV}STORE_URL", "memory://attune-spec-12-settings")
    store = ResultStore.from_settings()
    key = store.put({"items": list(range(50))})
    assert ResultStore("memory://attune-spec-12-settings").load(key)["items"][49] == 49


def test_settings_are_read_once_per_process_not_per_push(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Issue 13: ``[attune]`` was read twice per XCom push (store + inline threshold)."""
    import attune_provider.config as config
    from attune_provider.xcom import AttuneXComBackend

    monkeypatch.setenv(f"{ENV}STORE_URL", (tmp_path / "once").as_uri())
    reads: list[int] = []
    real = config.settings

    def counting() -> config.AttuneSettings:
        reads.append(1)
        return real()

    monkeypatch.setattr(config, "settings", counting)
    refs = [
        AttuneXComBackend.serialize_value({"i": i}, key="return_value", dag_id="d", run_id="r", task_id=f"t{i}")
        for i in range(5)
    ]
    assert all(ref["__attune_ref__"] == 1 for ref in refs)
    assert ResultStore.from_settings().url == (tmp_path / "once").as_uri()
    assert len(reads) == 1
