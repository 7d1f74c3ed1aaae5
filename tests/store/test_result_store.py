"""ResultStore + layout: round trips, random access cost, dedupe, compression, integrity, safety."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import pickle
import threading
from pathlib import Path

import pytest

from attune_provider.store import (
    CorruptObjectError,
    InvalidReferenceError,
    LazyMapping,
    LazySequence,
    ObjectNotFoundError,
    ResultStore,
    json_default,
    layout,
    to_plain,
)


def _item(i: int, size: int = 1000) -> dict:
    return {"id": i, "name": f"item-{i}", "payload": f"{i:05d}" * (size // 5)}


def _enc(value) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        -3.5,
        "héllo",
        True,
        [],
        {},
        [1, "two", None, [3, [4]]],
        {"a": 1, "b": {"c": [1, 2, {"d": None}]}, "ключ": "значение"},
        (1, 2, 3),
        {"when": dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC), "tags": {"x", "y"}},
    ],
)
def test_round_trip(store: ResultStore, reopen, value) -> None:
    key = store.put(value)
    loaded = reopen(store).load(key)
    assert to_plain(loaded) == value
    assert reopen(store).load_plain(key) == value


def test_list_element_reads_only_its_bytes(store: ResultStore, reopen) -> None:
    items = [_item(i) for i in range(200)]
    key = store.put(items)
    view = reopen(store).load(key)
    assert isinstance(view, LazySequence) and len(view) == 200
    before = view._store.stats.bytes_read
    assert view[150] == items[150]
    spent = view._store.stats.bytes_read - before
    assert _enc(items[150]) <= spent <= _enc(items[150]) + 100  # one 48-byte entry + the item
    assert view[-1] == items[-1]
    assert view[10:13] == items[10:13]
    with pytest.raises(IndexError):
        view[200]


def test_nested_access_reads_one_item(store: ResultStore, reopen) -> None:
    """task.fetch_data.items[7]: a mapping whose value (via 'data') is a list has its own index."""
    items = [_item(i, 2000) for i in range(100)]
    result = {"succeeded": True, "exit_code": 0, "stdout": "", "data": {"items": items, "count": 100}}
    key = store.put(result)
    s = reopen(store)
    view = s.load(key)
    assert isinstance(view, LazyMapping)
    assert isinstance(view["data"], LazyMapping)
    assert isinstance(view["data"]["items"], LazySequence)
    assert view["data"]["items"][7] == items[7]
    assert s.stats.bytes_read <= _enc(items[7]) + 2048  # root header + 2 nested headers + entries
    assert view["data"]["count"] == 100
    assert view["succeeded"] is True
    assert "data" in view and "nope" not in view
    with pytest.raises(KeyError):
        view["nope"]


def test_mapping_key_reads_only_its_value(store: ResultStore, reopen) -> None:
    value = {f"key-{i}": "v" * 10_000 + str(i) for i in range(100)}
    key = store.put(value)
    s = reopen(store)
    view = s.load(key)
    assert view["key-42"] == value["key-42"]
    assert s.stats.bytes_read <= 10_010 + 1024
    assert list(view) == list(value)
    assert dict(view) == value


def test_same_value_is_one_object(store: ResultStore) -> None:
    a = store.put({"x": [1, 2, 3]})
    b = store.put({"x": [1, 2, 3]})
    assert a == b
    assert store.stats.objects_written == 1
    assert [o.name for o in store.iter_objects()] == [a]
    assert store.put({"x": [1, 2, 4]}) != a


def test_zstd_compression(store_url: str) -> None:
    pytest.importorskip("zstandard")
    value = [{"text": "abc" * 2000, "i": i} for i in range(50)]
    plain = ResultStore(store_url)
    packed = ResultStore(store_url, compression="zstd")
    k_plain = plain.put_object(value)
    k_packed = packed.put_object(value)
    assert k_packed.size < k_plain.size / 5
    # any store on the root can read either object: the codec is recorded per element
    assert ResultStore(store_url).load(k_packed.key)[7] == value[7]
    assert ResultStore(store_url, compression="zstd").load_plain(k_plain.key) == value


def test_unknown_compression_is_an_error(store_url: str) -> None:
    with pytest.raises(ValueError, match="compression"):
        ResultStore(store_url, compression="lz77")


def _corrupt(store: ResultStore, key: str, offset: int) -> None:
    path = store.object_path(key)
    data = bytearray(store.fs.cat_file(path))
    data[offset] ^= 0xFF
    store.fs.pipe_file(path, bytes(data))


def test_corrupt_element_is_detected_and_named(store: ResultStore, reopen) -> None:
    items = [_item(i) for i in range(10)]
    key = store.put(items)
    root = store.root_node(key)
    entry = store.list_entry(key, root, 3)
    _corrupt(store, key, entry.offset + 10)
    s = reopen(store)
    view = s.load(key)
    assert view[4] == items[4]  # other elements still readable, each verified on its own
    with pytest.raises(CorruptObjectError, match=key):
        view[3]
    with pytest.raises(CorruptObjectError, match="sha256"):
        reopen(store).load_plain(key)


def test_corrupt_index_and_header_are_detected(store: ResultStore, reopen) -> None:
    key = store.put([_item(i) for i in range(10)])
    root = store.root_node(key)
    _corrupt(store, key, root["tab"] + 5 * layout.ENTRY_SIZE + 9)
    with pytest.raises(CorruptObjectError, match="entry checksum"):
        reopen(store).load(key)[5]
    key2 = store.put({"a": 1})
    _corrupt(store, key2, 12)
    with pytest.raises(CorruptObjectError, match="header"):
        reopen(store).load(key2)


def test_truncated_object_is_detected(store: ResultStore, reopen) -> None:
    key = store.put([_item(i) for i in range(5)])
    path = store.object_path(key)
    data = store.fs.cat_file(path)
    store.fs.pipe_file(path, data[: len(data) // 2])
    with pytest.raises(CorruptObjectError):
        view = reopen(store).load(key)
        [view[i] for i in range(5)]


@pytest.mark.parametrize(
    "ref",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "s3://bucket/" + "a" * 64,
        "file:///tmp/x",
        "a" * 63,
        "A" * 64,
        "a" * 64 + "/../x",
        "objects/aa/" + "a" * 64,
        "",
    ],
)
def test_reference_cannot_leave_the_root(store: ResultStore, ref: str) -> None:
    with pytest.raises(InvalidReferenceError, match="invalid attune store reference"):
        store.load(ref)
    with pytest.raises(InvalidReferenceError):
        store.object_path(ref)


def test_internal_paths_reject_traversal(store: ResultStore) -> None:
    for bad in ("..", ".", "a/b", ""):
        with pytest.raises(InvalidReferenceError):
            store.files.path("vars", bad)


def test_missing_object_is_a_clear_error(store: ResultStore) -> None:
    ref = hashlib.sha256(b"never written").hexdigest()
    with pytest.raises(ObjectNotFoundError, match=ref):
        store.load(ref)
    with pytest.raises(ObjectNotFoundError, match=ref):
        store.load_plain(ref)


def test_deleted_object_under_a_live_view_fails_loudly(store: ResultStore, reopen) -> None:
    key = store.put([_item(i) for i in range(4)])
    view = reopen(store).load(key)
    assert store.delete(key) is True
    with pytest.raises(ObjectNotFoundError, match=key):
        view[2]
    assert store.delete(key) is False


def _put_many(url: str, n: int) -> list[str]:
    s = ResultStore(url)
    return [s.put([_item(i) for i in range(50)]) for _ in range(n)]


def test_concurrent_writers_of_the_same_object(file_store: ResultStore) -> None:
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.extend(_put_many(file_store.url, 3))) for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        for keys in pool.starmap(_put_many, [(file_store.url, 3)] * 3):
            results.extend(keys)
    assert len(set(results)) == 1
    objects = list(file_store.iter_objects())
    assert [o.name for o in objects] == [results[0]]
    obj_dir = Path(file_store.object_path(results[0])).parent
    assert [p.name for p in obj_dir.iterdir()] == [results[0]]  # no temp files left behind
    assert ResultStore(file_store.url).load_plain(results[0]) == [_item(i) for i in range(50)]


def test_views_pickle_as_references_and_convert_explicitly(store: ResultStore) -> None:
    value = {"rows": [_item(i, 20_000) for i in range(5)], "n": 5}
    view = store.load(store.put(value))
    blob = pickle.dumps(view)
    assert len(blob) < 1000  # the reference, not the data
    again = pickle.loads(blob)
    assert again == value and again["rows"][3] == value["rows"][3]
    assert json.loads(json.dumps(view, default=json_default)) == value
    assert to_plain(view) == value and type(to_plain(view)["rows"]) is list
    assert repr(view).startswith("<attune dict")
    assert len(repr(view)) < 200


def test_cache_avoids_rereads_and_scopes_reset_it(store: ResultStore, reopen) -> None:
    key = store.put([_item(i) for i in range(20)])
    s = reopen(store)
    s.begin_scope("ti-1")
    s.load(key)[3]
    first = s.stats.bytes_read
    s.load(key)[3]
    assert s.stats.bytes_read == first  # served from the per-process cache
    s.begin_scope("ti-2")
    s.load(key)[3]
    assert s.stats.by_scope == {"ti-1": first, "ti-2": first}
    nocache = ResultStore(store.url, cache_size=0)
    nocache.load(key)[3]
    n1 = nocache.stats.bytes_read
    nocache.load(key)[3]
    assert nocache.stats.bytes_read == 2 * n1


def test_file_store_writes_under_its_root(tmp_path: Path) -> None:
    s = ResultStore((tmp_path / "root").as_uri())
    key = s.put({"a": 1})
    files = [p for p in (tmp_path / "root").rglob("*") if p.is_file()]
    assert files == [tmp_path / "root" / "objects" / key[:2] / key]
    assert os.stat(files[0]).st_size > 0


def test_small_list_inside_a_mapping_is_indexed_but_list_items_stay_plain(store: ResultStore, reopen) -> None:
    """`task.x.items[7]` reads item 7 only even for a small list; the item itself is a plain dict."""
    items = [{"id": i, "tag": f"t{i}"} for i in range(100)]  # ~2 KB in total
    key = store.put({"items": items})
    s = reopen(store)
    view = s.load(key)
    assert isinstance(view["items"], LazySequence)
    seven = view["items"][7]
    assert type(seven) is dict and seven == items[7]
    assert s.stats.bytes_read < 256 + 3 * layout.ENTRY_SIZE + 200
    big_items = ResultStore(store.url).load(store.put([{"blob": "b" * 70_000}]))
    assert isinstance(big_items[0], LazyMapping)  # a huge element gets its own index
