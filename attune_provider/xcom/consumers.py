"""What Airflow needs when it consumes an XCom value itself, found by reading Airflow 3.3's source.

``ti.xcom_pull`` and XComArgs hand values to user code, which may ``json.dumps`` them, append to
them or check ``isinstance(x, dict)``: they get plain values. Only when Airflow resolves the
expand input of a mapped task (``DictOfListsExpandInput.resolve`` / ``ListOfDictsExpandInput
.resolve``, also behind ``.map()``, ``.zip()``, ``.concat()`` and mapped task groups) is the value
only measured (``len``) and indexed (``value[map_index]``):

* a list is handed over as :class:`PlainItems`, a lazy ``Sequence`` whose items come back plain,
  so each mapped task instance reads only its own item from the store;
* a dict must be a real ``dict`` (``_expand_mapped_field`` checks ``isinstance(value, dict)``,
  map/zip/concat check ``(Sequence, dict)``), so it is materialised.

The caller is recognised by ``_airflow_compat.mapped_expansion`` (Airflow has no public way to
tell); values pulled one by one from a mapped upstream (``LazyXComSequence``) or indexed inside
``_expand_mapped_field`` are plain.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from attune_provider._airflow_compat.mapped_expansion import pulled_for_expansion
from attune_provider.store.lazy import LazySequence, to_plain

__all__ = ["PlainItems", "for_airflow_or_user", "pulled_for_expansion"]


class PlainItems(Sequence):
    """A stored list as Airflow's expansion sees it: lazy ``len`` and indexing, plain items."""

    __slots__ = ("_view",)

    def __init__(self, view: LazySequence) -> None:
        self._view = view

    def __len__(self) -> int:
        return len(self._view)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return to_plain(self._view[index])

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, PlainItems)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PlainItems({self._view!r})"

    def __reduce__(self) -> tuple:
        return (list, (list(self),))


def for_airflow_or_user(value: Any) -> Any:
    """The value to hand over from a non-attune task: see the module docstring."""
    if isinstance(value, LazySequence) and pulled_for_expansion():
        return PlainItems(value)
    return to_plain(value)
