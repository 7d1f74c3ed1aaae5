"""Read-only lazy views over stored lists and dicts: an element is fetched when it is accessed.

Why: Airflow indexes ``value[map_index]`` on whatever ``deserialize_value`` returns, so a lazy
``Sequence`` makes each mapped task instance read only its own item.

Conversions (all explicit):

* ``list(view)`` / ``dict(view)`` / iteration give the elements; an element that is itself a big
  indexed container comes back as a view (cheap), everything else as plain values.
* ``view.to_plain()`` (or ``to_plain(anything)``) is deep: plain lists/dicts all the way down.
* ``json.dumps(x, default=json_default)`` encodes views as their plain value.
* ``pickle`` keeps the *reference* (store URL + object key + path), never the data: unpickling in
  another process re-opens the same store.
* The XCom backend stores a returned view by reference again (same object, no re-encoding).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

Path = tuple[str | int, ...]


class ElementReader(Protocol):
    """What a view needs from the store (``ResultStore`` implements it; no import, no cycle)."""

    url: str

    def list_item(self, ref: str, node: dict, index: int) -> tuple[int, bytes]: ...

    def dict_item(self, ref: str, node: dict, key: str) -> tuple[int, bytes] | None: ...

    def dict_keys(self, ref: str, node: dict) -> list[str]: ...

    def decode_child(self, ref: str, kind: int, data: bytes) -> tuple[dict | None, Any]: ...

    def load(self, ref: str, path: Sequence[str | int] = ()) -> Any: ...

    def load_plain(self, ref: str) -> Any: ...


class _View:
    __slots__ = ("_node", "_path", "_ref", "_store")

    def __init__(self, store: ElementReader, ref: str, path: Path, node: dict) -> None:
        self._store = store
        self._ref = ref
        self._path = path
        self._node = node

    @property
    def attune_reference(self) -> tuple[ElementReader, str, Path]:
        """(store, object key, path inside the object): what the XCom backend stores again."""
        return self._store, self._ref, self._path

    def __len__(self) -> int:
        return int(self._node["len"])

    def __reduce__(self) -> tuple:
        return (_restore, (self._store, self._ref, self._path))

    def _child(self, step: str | int, kind: int, data: bytes) -> Any:
        node, value = self._store.decode_child(self._ref, kind, data)
        if node is None:
            return value
        return make_view(self._store, self._ref, (*self._path, step), node)

    def to_plain(self) -> Any:
        raise NotImplementedError

    __hash__ = None  # type: ignore[assignment]


class LazySequence(_View, Sequence):
    """A stored list; ``view[i]`` reads element i only (one index entry + its bytes)."""

    __slots__ = ()

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(f"list indices must be integers or slices, not {type(index).__name__}")
        n = len(self)
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError(f"index {index} out of range for stored list of length {n}")
        kind, data = self._store.list_item(self._ref, self._node, i)
        return self._child(i, kind, data)

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazySequence) and other.attune_reference[1:] == self.attune_reference[1:]:
            return True
        if isinstance(other, (list, tuple, LazySequence)):
            return len(other) == len(self) and self.to_plain() == to_plain(list(other))
        return NotImplemented

    def to_plain(self) -> list:
        if not self._path:
            return self._store.load_plain(self._ref)
        return [to_plain(v) for v in self]

    def __repr__(self) -> str:
        return f"<attune list ref={self._ref[:12]} path={list(self._path)} len={len(self)}>"


class LazyMapping(_View, Mapping):
    """A stored dict; ``view[k]`` reads key k only (about one hash-table probe + its bytes)."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, str):
            raise KeyError(key)
        found = self._store.dict_item(self._ref, self._node, key)
        if found is None:
            raise KeyError(key)
        return self._child(key, *found)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._store.dict_item(self._ref, self._node, key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._store.dict_keys(self._ref, self._node))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyMapping) and other.attune_reference[1:] == self.attune_reference[1:]:
            return True
        if isinstance(other, Mapping):
            return len(other) == len(self) and self.to_plain() == to_plain(dict(other))
        return NotImplemented

    def to_plain(self) -> dict:
        if not self._path:
            return self._store.load_plain(self._ref)
        return {k: to_plain(self[k]) for k in self}

    def __repr__(self) -> str:
        return f"<attune dict ref={self._ref[:12]} path={list(self._path)} len={len(self)}>"


def make_view(store: ElementReader, ref: str, path: Path, node: dict) -> LazySequence | LazyMapping:
    if node["t"] == "l":
        return LazySequence(store, ref, path, node)
    if node["t"] == "d":
        return LazyMapping(store, ref, path, node)
    raise ValueError(f"node type {node['t']!r} has no view")


def is_view(value: Any) -> bool:
    return isinstance(value, _View)


def to_plain(value: Any) -> Any:
    """THE deep plain copy of the package: any mapping -> dict, any other sequence that is not
    text -> list (tuples stay tuples), store views read in one pass; scalars, sets and other
    objects as they are.

    Values leave our process as plain data (actions, the variable store, JSON, Airflow); a
    template such as ``{{ task.fetch.items }}`` yields a lazy view that is materialised here, at
    the cost of what the template referenced, never the whole context.
    """
    if isinstance(value, _View):
        return value.to_plain()
    if value is None or isinstance(value, str | bytes | bytearray | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if type(value) is tuple:  # kept a tuple: Airflow's serde round-trips tuples (and sets)
        return tuple(to_plain(v) for v in value)
    if isinstance(value, Sequence) and not isinstance(value, tuple | memoryview):
        return [to_plain(v) for v in value]
    return value


def json_default(value: Any) -> Any:
    """``json.dumps(x, default=json_default)`` encodes views as their plain values."""
    if isinstance(value, _View):
        return value.to_plain()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _restore(store: ElementReader, ref: str, path: Path) -> Any:
    """Unpickle a view: the store pickles as its settings, so this re-opens the same object."""
    return store.load(ref, path)
