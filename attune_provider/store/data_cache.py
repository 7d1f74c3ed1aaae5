"""attune's Data Caches on the store's object storage: what ``iterate_cache`` iterates.

attune keeps owner-scoped cache namespaces with immutable generations; a refresh writes a new
generation and an atomic promotion makes it the ``active`` one (attune ``docs/KEY_CACHE.md``).
Here a namespace lives under the result store's root (``[attune] store_url``, any fsspec URL),
in an area the store's garbage collector never touches::

    caches/<owner_type>/<owner_ref or _>/<namespace>/generations/<id>.json   immutable entries
    caches/<owner_type>/<owner_ref or _>/<namespace>/active.json            {generation, activated}
    caches/<owner_type>/<owner_ref or _>/<namespace>/namespace.json         {freshness_target_seconds}

A generation holds its entries sorted by ``external_id`` in bytewise order, each in attune's item
shape ``{external_id, value, source_updated_at, source_checksum, size_bytes}``. Promotion is one
atomic write of ``active.json``, after the generation file is complete, so a reader sees the old
or the new generation, never a partial one. Producers publish with :func:`publish_generation`
(from any Airflow task) or ``attune-airflow cache publish``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from attune_provider.store.files import StoreFiles

__all__ = [
    "OWNER_TYPES",
    "CacheError",
    "CacheNamespace",
    "DataCache",
    "cache_entry",
]

#: attune's cache owner types (OwnerType); `identity` has no Airflow equivalent (see CacheNamespace)
OWNER_TYPES = ("pack", "action", "sensor", "system", "identity")
AREA = "caches"


class CacheError(ValueError):
    """A cache read or write attune would refuse: the message names the namespace and the reason
    (attune's ``CacheIterationInitializationFailure`` codes, e.g. ``no_active_generation``)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{message} ({code})")


@dataclass(frozen=True)
class CacheNamespace:
    """``owner_type`` + ``owner_ref`` + ``namespace``: one cache (attune's canonical owner scope)."""

    owner_type: str
    owner_ref: str | None
    namespace: str

    def __post_init__(self) -> None:
        if self.owner_type not in OWNER_TYPES:
            raise CacheError("owner_resolution", f"unknown cache owner_type {self.owner_type!r}")
        if self.owner_type == "identity":
            raise CacheError(
                "owner_resolution",
                "owner_type identity (the triggering user's own cache) has no Airflow equivalent; "
                "use a pack, action, sensor or system cache",
            )
        if (self.owner_type == "system") != (self.owner_ref is None):
            raise CacheError(
                "owner_resolution",
                f"owner_type {self.owner_type} "
                + ("takes no owner_ref" if self.owner_type == "system" else "needs an owner_ref"),
            )
        if not self.namespace.strip():
            raise CacheError("namespace_resolution", "the cache namespace is empty")

    def parts(self) -> tuple[str, str, str]:
        return (self.owner_type, self.owner_ref or "_", self.namespace.lower())

    def __str__(self) -> str:
        owner = self.owner_type if self.owner_ref is None else f"{self.owner_type} {self.owner_ref}"
        return f"cache namespace '{self.namespace}' of {owner}"


def cache_entry(external_id: str, value: Any, *, source_updated_at: Any = None, source_checksum: Any = None) -> dict:
    """One entry in attune's item shape (``scheduler.rs`` ``cache_entry_item``)."""
    if not isinstance(external_id, str) or not external_id:
        raise CacheError("invalid_entry", f"a cache entry's external_id must be non-empty text, got {external_id!r}")
    return {
        "external_id": external_id,
        "value": value,
        "source_updated_at": source_updated_at,
        "source_checksum": source_checksum,
        "size_bytes": len(json.dumps(value, separators=(",", ":")).encode()),
    }


class DataCache:
    """Read and publish cache generations under one store root."""

    def __init__(self, files: StoreFiles) -> None:
        self.files = files

    @classmethod
    def from_settings(cls) -> DataCache:
        from attune_provider.store.settings import store_settings

        settings = store_settings()
        return cls(StoreFiles(settings.url, settings.conn_id))

    def _path(self, ns: CacheNamespace, *rest: str) -> str:
        return self.files.path(AREA, *ns.parts(), *rest)

    def _read_json(self, path: str) -> Any:
        try:
            return json.loads(self.files.read(path))
        except FileNotFoundError:
            return None

    # ------------------------------------------------------------------ writing
    def publish_generation(
        self,
        ns: CacheNamespace,
        entries: Iterable[Mapping[str, Any]],
        *,
        freshness_target_seconds: int | None = None,
    ) -> int:
        """Write a new immutable generation and promote it to ``active``; returns its id."""
        seen: dict[str, dict[str, Any]] = {}
        for raw in entries:
            entry = cache_entry(
                raw.get("external_id"),  # type: ignore[arg-type]
                raw.get("value"),
                source_updated_at=raw.get("source_updated_at"),
                source_checksum=raw.get("source_checksum"),
            )
            if entry["external_id"] in seen:
                raise CacheError("duplicate_external_id", f"external_id {entry['external_id']!r} appears twice")
            seen[entry["external_id"]] = entry
        ordered = [seen[key] for key in sorted(seen, key=lambda k: k.encode())]  # bytewise, as attune
        existing = [int(i.name.split(".")[0]) for i in self.files.list_dir(self._path(ns, "generations"))
                    if i.name.split(".")[0].isdigit()]  # fmt: skip
        generation = max(existing, default=0) + 1
        now = time.time()
        document = {"generation": generation, "created": now, "entries": ordered}
        self.files.write_atomic(self._path(ns, "generations", f"{generation}.json"), _dump(document))
        if freshness_target_seconds is not None:
            meta = {"freshness_target_seconds": int(freshness_target_seconds)}
            self.files.write_atomic(self._path(ns, "namespace.json"), _dump(meta))
        self.files.write_atomic(self._path(ns, "active.json"), _dump({"generation": generation, "activated": now}))
        return generation

    # ------------------------------------------------------------------ reading
    def resolve_generation(self, ns: CacheNamespace, selector: Any, *, require_fresh: bool = False) -> int:
        """``active`` or an explicit generation id -> the generation to pin (attune's rules)."""
        active = self._read_json(self._path(ns, "active.json"))
        text = str(selector).strip()
        if text.lower() == "active":
            if active is None:
                known = self.files.list_dir(self._path(ns, "generations"))
                reason = "has no active generation" if known else "does not exist (nothing was ever published)"
                raise CacheError("no_active_generation" if known else "namespace_resolution", f"{ns} {reason}")
            generation = int(active["generation"])
        else:
            try:
                generation = int(text)
            except ValueError:
                raise CacheError(
                    "invalid_generation", f"{ns}: generation {selector!r} is neither 'active' nor an id"
                ) from None
            if self.files.info(self._path(ns, "generations", f"{generation}.json")) is None:
                raise CacheError("invalid_generation", f"{ns} has no generation {generation}")
        if require_fresh and self._stale(ns, generation, active):
            raise CacheError("stale_generation", f"{ns}: generation {generation} is stale and require_fresh is set")
        return generation

    def _stale(self, ns: CacheNamespace, generation: int, active: Mapping[str, Any] | None) -> bool:
        """attune's ``cache_generation_is_stale``: not the active one, or older than the target."""
        if active is None or int(active["generation"]) != generation:
            return True
        meta = self._read_json(self._path(ns, "namespace.json")) or {}
        target = int(meta.get("freshness_target_seconds") or 0)
        return target > 0 and time.time() - float(active["activated"]) > target

    def entries(self, ns: CacheNamespace, generation: int) -> list[dict[str, Any]]:
        """Every entry of one pinned generation, in bytewise ``external_id`` order."""
        document = self._read_json(self._path(ns, "generations", f"{generation}.json"))
        if document is None:
            raise CacheError("invalid_generation", f"{ns} has no generation {generation}")
        return list(document["entries"])


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
