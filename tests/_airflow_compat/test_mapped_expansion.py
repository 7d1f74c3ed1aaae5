"""``_airflow_compat.mapped_expansion`` against the installed Airflow: red when an upgrade moves it."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from attune_provider._airflow_compat.mapped_expansion import expansion_codes, pulled_for_expansion


def test_the_upstream_functions_exist_with_the_mirrored_signatures() -> None:
    from airflow.sdk.definitions._internal import expandinput

    assert list(inspect.signature(expandinput.DictOfListsExpandInput.resolve).parameters) == ["self", "context"]
    assert list(inspect.signature(expandinput.ListOfDictsExpandInput.resolve).parameters) == ["self", "context"]
    assert list(inspect.signature(expandinput.DictOfListsExpandInput._expand_mapped_field).parameters) == [
        "self", "key", "value", "map_index", "all_lengths",
    ]
    expanding, element, lazy_file = expansion_codes()
    assert len(expanding) == 2 and len(element) == 1 and lazy_file and lazy_file.endswith("lazy_sequence.py")


class _Probe(Sequence):
    """A mapped value that records, at each read, whether the reader is Airflow's expansion."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def __len__(self) -> int:
        self.seen.append(("len", pulled_for_expansion()))
        return 3

    def __getitem__(self, index: Any) -> Any:
        self.seen.append(("item", pulled_for_expansion()))
        return index


class _Rows(_Probe):
    """``expand_kwargs`` input: a list of dicts."""

    def __getitem__(self, index: Any) -> Any:
        self.seen.append(("item", pulled_for_expansion()))
        return {"a": index}


def test_airflow_expansion_is_recognised_and_its_per_item_read_is_not() -> None:
    """What Airflow 3.3 does: ``resolve`` measures the value (expansion: lazy is fine), then
    ``_expand_mapped_field`` takes this instance's item (handed over plain)."""
    from airflow.sdk.definitions._internal.expandinput import DictOfListsExpandInput, ListOfDictsExpandInput

    probe = _Probe()
    data, _ = DictOfListsExpandInput({"x": probe}).resolve({"ti": SimpleNamespace(map_index=1)})
    assert data == {"x": 1}
    assert probe.seen == [("len", True), ("item", False)]

    rows = _Rows()
    mapping, _ = ListOfDictsExpandInput(rows).resolve({"ti": SimpleNamespace(map_index=2)})
    assert mapping == {"a": 2} and rows.seen == [("item", True)]


def test_a_plain_caller_is_not_expansion() -> None:
    assert pulled_for_expansion() is False
