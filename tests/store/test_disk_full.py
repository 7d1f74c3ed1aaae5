"""Issue 22, point 5: a full disk gives an error naming the store, and leaves nothing behind.

The disk is really full: a 1 MiB tmpfs mounted for the test (needs root; skipped otherwise), and
an fsspec filesystem whose writes fail with ENOSPC once 64 KiB are used (the path object stores
take: one ``pipe_file`` per file). The store code under test is the real one.
"""

from __future__ import annotations

import errno
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from attune_provider.store import ResultStore
from attune_provider.store.settings import store_settings
from attune_provider.xcom import AttuneXComBackend

CAPACITY = 64 * 1024


class FullMemoryFileSystem(MemoryFileSystem):
    """An in-memory filesystem of ``CAPACITY`` bytes: a write past it fails like a full disk."""

    protocol = "attune-fullmem"
    store: dict = {}  # fsspec keeps the files on the class
    pseudo_dirs = [""]

    def pipe_file(self, path, value, mode="overwrite", **kwargs):
        used = sum(len(f.getvalue()) for f in self.store.values())
        if used + len(value) > CAPACITY:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().pipe_file(path, value, mode=mode, **kwargs)


fsspec.register_implementation(FullMemoryFileSystem.protocol, FullMemoryFileSystem, clobber=True)


@pytest.fixture(params=["tmpfs", "fsspec"])
def full_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "fsspec":
        yield f"{FullMemoryFileSystem.protocol}://store-{uuid.uuid4().hex}"
        FullMemoryFileSystem.store.clear()
        return
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield (mount / "store").as_uri()
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.fixture
def configured(full_store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ResultStore]:
    monkeypatch.setenv("AIRFLOW__ATTUNE__STORE_URL", full_store_url)
    store_settings.cache_clear()
    yield ResultStore.from_settings()
    store_settings.cache_clear()


def _leftovers(store: ResultStore) -> list[str]:
    """Every file under the store's holder markers, plus temp files anywhere."""
    files = store.files.find(store.files.root)
    return sorted(f.path for f in files if "/holders/" in f.path or f.name.startswith(".tmp-"))


def _push(value: object) -> object:
    return AttuneXComBackend.serialize_value(value, key="return_value", dag_id="d", run_id="r", task_id="t")


def test_a_result_too_big_for_the_disk_names_the_store_and_leaves_no_marker(configured: ResultStore) -> None:
    """Failed before the fix: a bare ``[Errno 28] No space left on device`` and a holder marker
    left behind for an object that was never written."""
    big = ["x" * 1000 for _ in range(2000)]  # about 2 MB
    with pytest.raises(OSError) as info:
        _push(big)
    assert info.value.errno == errno.ENOSPC
    assert _leftovers(configured) == []
    message = str(info.value)
    assert configured.url in message and "No space left on device" in message
    assert _push({"small": "still fits"})["key"]  # the store works once the value fits


def test_a_disk_too_full_for_the_marker_names_the_store_and_leaves_nothing(configured: ResultStore) -> None:
    filler = configured.files.path("filler")
    size = 16 * 1024
    while True:  # fill the disk to the last block
        try:
            configured.files.write_atomic(f"{filler}-{uuid.uuid4().hex}", b"f" * size)
        except OSError:
            if size <= 256:
                break
            size //= 4
    with pytest.raises(OSError) as info:
        _push(["y" * 500 for _ in range(20)])
    assert info.value.errno == errno.ENOSPC and configured.url in str(info.value)
    assert _leftovers(configured) == []
