"""Store fault corpus (issue 12, "In CI"): damage stored objects every way storage can, then read.

Faults: truncation at many lengths, single-byte flips across the whole object, two objects
swapped, an object deleted, an object replaced by empty/foreign/old-format bytes, and stale temp
files of interrupted writes. Reads: the lazy path (the view walked element by element), one
element only (a mapped instance), and the full verified read. Every read must either return
the right value or raise a ``StoreError`` whose message names the object key -- never another
value, never another exception type. The counts are printed.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from attune_provider.store import ResultStore, StoreError, to_plain

VALUES: dict[str, Any] = {
    "scalar": "a plain string result",
    "small_list": [1, "two", None, {"three": 3}],
    "items": [{"id": i, "name": f"item-{i}", "pad": "p" * 40} for i in range(12)],
    "result": {
        "succeeded": True,
        "exit_code": 0,
        "stdout": "done",
        "data": {"items": [{"n": i} for i in range(40)], "count": 40},
    },
    "mapping": {f"key-{i}": {"v": i, "text": "t" * 30} for i in range(10)},
}

RIGHT, CLEAR, BAD = "returned right value", "failed clearly", "WRONG (other value or unclear error)"


def _element(value: Any) -> Callable[[Any], Any]:
    """How a partial reader picks one element of ``value`` (or the whole scalar)."""
    if isinstance(value, list):
        return lambda v: v[len(value) // 2]
    if isinstance(value, dict) and "data" in value:
        return lambda v: v["data"]["items"][7]
    if isinstance(value, dict):
        return lambda v: v["key-3"]
    return lambda v: v


def _walk(view: Any) -> Any:
    """Read a (lazy) value element by element, as templates do -- never one full read."""
    if isinstance(view, Mapping):
        return {k: _walk(view[k]) for k in view}
    if isinstance(view, Sequence) and not isinstance(view, str):
        return [_walk(view[i]) for i in range(len(view))]
    return view


READS: dict[str, Callable[[ResultStore, str, Any], Any]] = {
    "lazy walk": lambda s, k, value: _walk(s.load(k)),
    "one element": lambda s, k, value: _element(value)(s.load(k)),
    "full read": lambda s, k, value: s.load_plain(k),
}


class Tally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.by_fault: dict[str, Counter[str]] = {}
        self.bad: list[str] = []

    def read_all(self, url: str, fault: str, key: str, name: str) -> None:
        value = VALUES[name]
        for mode, read in READS.items():
            expected = _element(value)(value) if mode == "one element" else value
            outcome = self._classify(lambda r=read: r(ResultStore(url), key, value), key, expected)
            self.counts[outcome] += 1
            self.by_fault.setdefault(fault, Counter())[outcome] += 1
            if outcome == BAD:
                self.bad.append(f"{fault} / {name} / {mode}")

    @staticmethod
    def _classify(read: Callable[[], Any], key: str, expected: Any) -> str:
        try:
            got = to_plain(read())
        except StoreError as exc:
            return CLEAR if key in str(exc) else BAD
        except Exception:
            return BAD
        return RIGHT if got == expected else BAD

    def report(self) -> str:
        lines = [f"store fault corpus: tried {sum(self.counts.values())}"]
        lines += [f"  {label}: {self.counts[label]}" for label in (CLEAR, RIGHT, BAD)]
        for fault, c in sorted(self.by_fault.items()):
            lines.append(f"    {fault:<22} clear {c[CLEAR]:>5}  right {c[RIGHT]:>5}  wrong {c[BAD]}")
        return "\n".join(lines)


@pytest.fixture(scope="module")
def tally(corpus_counts) -> Tally:
    t = Tally()
    yield t
    print("\n" + t.report())
    corpus_counts.record("fault reads", sum(t.counts.values()), "wrong values", t.counts[BAD])


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[str, dict[str, str]]:
    url = (tmp_path / "store").as_uri()
    store = ResultStore(url, nest_min_bytes=256)  # small values still get nested indexes
    return url, {name: store.put(value) for name, value in VALUES.items()}


def _path(url: str, key: str) -> Path:
    return Path(ResultStore(url).object_path(key))


@pytest.mark.parametrize("name", list(VALUES))
def test_truncated_objects(corpus, tally: Tally, name: str) -> None:
    url, keys = corpus
    path = _path(url, keys[name])
    data = path.read_bytes()
    for length in sorted({0, 3, 4, 8, 20, 40, 44, 60, len(data) // 3, len(data) // 2, len(data) - 1}):
        path.write_bytes(data[:length])
        tally.read_all(url, "truncate", keys[name], name)
    assert not tally.bad, tally.bad


@pytest.mark.parametrize("name", list(VALUES))
def test_flipped_bytes(corpus, tally: Tally, name: str) -> None:
    url, keys = corpus
    path = _path(url, keys[name])
    data = path.read_bytes()
    positions = sorted({*range(min(len(data), 96)), *range(0, len(data), max(1, len(data) // 120))})
    for pos in positions:
        for mask in (0x01, 0x80):
            damaged = bytearray(data)
            damaged[pos] ^= mask
            path.write_bytes(bytes(damaged))
            tally.read_all(url, "flip", keys[name], name)
    assert not tally.bad, tally.bad


def test_swapped_objects(corpus, tally: Tally) -> None:
    url, keys = corpus
    names = list(VALUES)
    originals = {n: _path(url, keys[n]).read_bytes() for n in names}
    for i, name in enumerate(names):
        other = names[(i + 1) % len(names)]
        _path(url, keys[name]).write_bytes(originals[other])
        tally.read_all(url, "swap", keys[name], name)
        _path(url, keys[name]).write_bytes(originals[name])
    assert not tally.bad, tally.bad


def test_deleted_and_replaced_objects(corpus, tally: Tally) -> None:
    url, keys = corpus
    for name, key in keys.items():
        path = _path(url, key)
        data = path.read_bytes()
        for fault, content in (
            ("replaced: empty", b""),
            ("replaced: foreign", b'{"not": "an attune object"}'),
            ("replaced: old format", b"ATN1" + data[4:]),
        ):
            path.write_bytes(content)
            tally.read_all(url, fault, key, name)
        path.unlink()
        tally.read_all(url, "delete", key, name)
        path.write_bytes(data)
    assert not tally.bad, tally.bad


def test_stale_temp_files_change_nothing(corpus, tally: Tally) -> None:
    """An interrupted write leaves ``.tmp-*`` beside the object: reads, listing and rewrites ignore it."""
    url, keys = corpus
    for name, key in keys.items():
        path = _path(url, key)
        data = path.read_bytes()
        (path.parent / ".tmp-interrupted").write_bytes(data[: len(data) // 2])
        tally.read_all(url, "stale temp file", key, name)
        path.unlink()  # the object itself was never renamed into place
        tally.read_all(url, "stale temp, no object", key, name)
        assert ResultStore(url, nest_min_bytes=256).put(VALUES[name]) == key  # the next write completes it
        tally.read_all(url, "stale temp, rewritten", key, name)
        os.unlink(path.parent / ".tmp-interrupted")
    assert sorted(o.name for o in ResultStore(url).iter_objects()) == sorted(keys.values())
    assert not tally.bad, tally.bad
