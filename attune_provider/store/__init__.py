"""Content-addressed random-access result store (reference 6.2, 7, 12).

Public API::

    ResultStore.from_settings()  -- THE configured store of this process ([attune] read once)
    ResultStore(url, compression="none", cache_size=4096, conn_id="")
      .put(value) -> key            .put_object(value) -> StoredObject(key, size)
      .load(key, path=()) -> view or plain value        .load_plain(key) -> plain value
      .exists(key) / .object_info(key) / .object_size(key) / .delete(key) / .iter_objects()
      .read_bytes(key) / .stats / .begin_scope(label) / .files (StoreFiles: every other file)
    LazySequence / LazyMapping, to_plain(), json_default(), is_view()
    make_reference() / is_reference() / parse_reference() / iter_reference_keys()
    RunVariables(store, dag_id, run_id).seed() / .publish() / .snapshot()
    collect(store, dry_run=..., grace_seconds=...) -> GCReport   (in attune_provider.store.gc)
    store_settings() -> StoreSettings   (in attune_provider.store.settings)
"""

from attune_provider.store.errors import (
    CorruptObjectError,
    InvalidReferenceError,
    ObjectNotFoundError,
    StoreError,
    StoreWriteError,
)
from attune_provider.store.files import FileInfo
from attune_provider.store.gc import GCReport, collect
from attune_provider.store.lazy import LazyMapping, LazySequence, is_view, json_default, to_plain
from attune_provider.store.reference import (
    MARKER,
    is_reference,
    iter_reference_keys,
    make_reference,
    parse_reference,
)
from attune_provider.store.result_store import ResultStore, StoredObject, StoreStats
from attune_provider.store.variables import RunVariables

__all__ = [
    "MARKER",
    "CorruptObjectError",
    "FileInfo",
    "GCReport",
    "InvalidReferenceError",
    "LazyMapping",
    "LazySequence",
    "ObjectNotFoundError",
    "ResultStore",
    "RunVariables",
    "StoreError",
    "StoreStats",
    "StoreWriteError",
    "StoredObject",
    "collect",
    "is_reference",
    "is_view",
    "iter_reference_keys",
    "json_default",
    "make_reference",
    "parse_reference",
    "to_plain",
]
