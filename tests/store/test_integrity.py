"""Issue 12 items 1-2: an object file is only ever read as the object its name says, and a
corrupt object is repaired by the next write of the same value."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from attune_provider.store import CorruptObjectError, ResultStore, to_plain


def _swap(store: ResultStore, a: str, b: str) -> None:
    pa, pb = Path(store.object_path(a)), Path(store.object_path(b))
    tmp = pa.with_name("swap-tmp")
    shutil.move(pa, tmp)
    shutil.move(pb, pa)
    shutil.move(tmp, pb)


def test_swapped_objects_fail_on_every_read(file_store: ResultStore, reopen) -> None:
    """Two objects of the same shape: after swapping their files, no read returns the other value."""
    first = file_store.put([{"run": "one", "i": i} for i in range(20)])
    second = file_store.put([{"run": "two", "i": i} for i in range(20)])
    _swap(file_store, first, second)
    for key in (first, second):
        with pytest.raises(CorruptObjectError, match=key) as info:
            reopen(file_store).load(key)
        assert "another object" in str(info.value)
        with pytest.raises(CorruptObjectError, match=key):
            reopen(file_store).load_plain(key)
        with pytest.raises(CorruptObjectError, match=key):
            reopen(file_store).read_bytes(key)


def test_swapped_scalar_objects_fail(file_store: ResultStore, reopen) -> None:
    first, second = file_store.put("value one"), file_store.put("value two")
    _swap(file_store, first, second)
    with pytest.raises(CorruptObjectError, match=first):
        reopen(file_store).load(first)


def test_show_refuses_a_swapped_object(tmp_path: Path) -> None:
    """``attune-airflow show`` exits non-zero naming the key instead of printing the other value."""
    url = (tmp_path / "store").as_uri()
    store = ResultStore(url)
    mine = store.put({"owner": "mine", "rows": list(range(30))})
    theirs = store.put({"owner": "theirs", "rows": list(range(30))})
    _swap(store, mine, theirs)
    script = Path(sys.executable).with_name("attune-airflow")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_HOME"))}
    env.update(AIRFLOW_HOME=str(tmp_path / "home"), AIRFLOW__ATTUNE__STORE_URL=url)
    done = subprocess.run(
        [str(script), "show", mine], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0, done.stdout
    assert "theirs" not in done.stdout
    assert mine in done.stderr and "another object" in done.stderr


def test_rewriting_a_corrupt_object_repairs_it(store: ResultStore, reopen) -> None:
    value = [{"i": i, "text": "x" * 50} for i in range(10)]
    key = store.put(value)
    path = store.object_path(key)
    data = bytearray(store.fs.cat_file(path))
    data[len(data) // 2] ^= 0x01
    store.fs.pipe_file(path, bytes(data))
    with pytest.raises(CorruptObjectError):
        reopen(store).load_plain(key)
    assert store.put(value) == key  # same value again: the existing bytes are checked, not trusted
    assert reopen(store).load_plain(key) == value
    assert to_plain(reopen(store).load(key)) == value


def test_rewriting_a_truncated_object_repairs_it(file_store: ResultStore, reopen) -> None:
    value = {"rows": list(range(100))}
    key = file_store.put(value)
    path = Path(file_store.object_path(key))
    path.write_bytes(path.read_bytes()[:10])
    assert file_store.put(value) == key
    assert reopen(file_store).load_plain(key) == value
    assert [p.name for p in path.parent.iterdir()] == [key]  # atomic rewrite left no temp file


def test_swap_under_an_open_view_fails_on_the_next_element(file_store: ResultStore, reopen) -> None:
    """The header is cached per reader; element reads are bound to their object all the same."""
    first = file_store.put([{"run": "one", "i": i} for i in range(20)])
    second = file_store.put([{"run": "two", "i": i} for i in range(20)])
    mine = file_store.put({"rows": [{"run": "mine", "i": i} for i in range(20)], "k": "mine"})
    theirs = file_store.put({"rows": [{"run": "theirs", "i": i} for i in range(20)], "k": "thrs"})
    reader = reopen(file_store)
    view, mapping = reader.load(first), reader.load(mine)
    assert view[0] == {"run": "one", "i": 0}
    _swap(file_store, first, second)
    _swap(file_store, mine, theirs)
    with pytest.raises(CorruptObjectError, match=first):
        view[5]
    with pytest.raises(CorruptObjectError, match=mine):
        mapping["k"]
