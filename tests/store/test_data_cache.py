"""Data caches for iterate_cache (attune docs/KEY_CACHE.md; crates/executor/src/scheduler.rs):
immutable generations, atomic promotion, pinned reads, attune's item shape and failure codes."""

from __future__ import annotations

import json
import time

import pytest

from attune_provider.store.data_cache import CacheError, CacheNamespace, DataCache
from attune_provider.store.files import StoreFiles


@pytest.fixture
def cache(tmp_path) -> DataCache:
    return DataCache(StoreFiles(f"file://{tmp_path}"))


USERS = CacheNamespace("pack", "salesforce", "Users")


def test_publish_promotes_atomically_and_old_generations_stay_readable(cache):
    first = cache.publish_generation(USERS, [{"external_id": "u1", "value": 1}])
    second = cache.publish_generation(USERS, [{"external_id": "u2", "value": {"a": [1]}, "source_checksum": "x"}])
    assert (first, second) == (1, 2)
    assert cache.resolve_generation(USERS, "active") == 2
    assert cache.resolve_generation(USERS, "1") == 1  # a pinned older generation is still readable
    assert cache.entries(USERS, 1) == [
        {"external_id": "u1", "value": 1, "source_updated_at": None, "source_checksum": None, "size_bytes": 1}
    ]
    (entry,) = cache.entries(USERS, 2)
    assert entry["source_checksum"] == "x" and entry["size_bytes"] == len(b'{"a":[1]}')


def test_entries_are_in_bytewise_external_id_order(cache):
    ids = ["b", "a", "B", "é", "a0", "Z"]
    cache.publish_generation(USERS, [{"external_id": i, "value": None} for i in ids])
    got = [e["external_id"] for e in cache.entries(USERS, cache.resolve_generation(USERS, "active"))]
    assert got == sorted(ids, key=str.encode) == ["B", "Z", "a", "a0", "b", "é"]


def test_namespace_names_are_case_insensitive_like_attune(cache):
    cache.publish_generation(CacheNamespace("pack", "salesforce", "users"), [{"external_id": "x", "value": 0}])
    assert cache.resolve_generation(USERS, "active") == 1  # attune lowercases the namespace name


@pytest.mark.parametrize(
    ("setup", "selector", "require_fresh", "code"),
    [
        (None, "active", False, "namespace_resolution"),
        ("published", "7", False, "invalid_generation"),
        ("published", "newest", False, "invalid_generation"),
        ("older", "1", True, "stale_generation"),
    ],
)
def test_failures_carry_attunes_codes(cache, setup, selector, require_fresh, code):
    if setup:
        cache.publish_generation(USERS, [{"external_id": "a", "value": 1}])
    if setup == "older":
        cache.publish_generation(USERS, [{"external_id": "b", "value": 2}])
    with pytest.raises(CacheError, match=code) as info:
        cache.resolve_generation(USERS, selector, require_fresh=require_fresh)
    assert info.value.code == code and "Users" in str(info.value)


def test_freshness_target_makes_the_active_generation_stale(cache, tmp_path):
    cache.publish_generation(USERS, [{"external_id": "a", "value": 1}], freshness_target_seconds=60)
    assert cache.resolve_generation(USERS, "active", require_fresh=True) == 1
    active = next(tmp_path.rglob("active.json"))
    active.write_text(json.dumps({"generation": 1, "activated": time.time() - 120}))
    assert cache.resolve_generation(USERS, "active") == 1  # stale is still usable by default
    with pytest.raises(CacheError, match="stale_generation"):
        cache.resolve_generation(USERS, "active", require_fresh=True)


def test_bad_entries_and_owners_are_refused(cache):
    with pytest.raises(CacheError, match="duplicate_external_id"):
        cache.publish_generation(USERS, [{"external_id": "a", "value": 1}, {"external_id": "a", "value": 2}])
    with pytest.raises(CacheError, match="invalid_entry"):
        cache.publish_generation(USERS, [{"value": 1}])
    with pytest.raises(CacheError, match="no Airflow equivalent"):
        CacheNamespace("identity", None, "mine")
    with pytest.raises(CacheError, match="takes no owner_ref"):
        CacheNamespace("system", "x", "global")
    with pytest.raises(CacheError, match="needs an owner_ref"):
        CacheNamespace("action", None, "n")


def test_the_store_garbage_collector_never_lists_cache_files(cache, tmp_path):
    cache.publish_generation(USERS, [{"external_id": "a", "value": 1}])
    from attune_provider.store.result_store import ResultStore

    store = ResultStore(f"file://{tmp_path}")
    assert list(store.iter_objects()) == []  # caches/ is outside the areas gc scans
