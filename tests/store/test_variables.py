"""RunVariables (reference 7): per-run, persistent, no lost write, deterministic last-writer-wins."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

from attune_provider.store import ResultStore, RunVariables


def history(v: RunVariables) -> list[tuple[str, str, dict]]:
    """(record name, writer, updates) in merge order, read through the store's public API."""
    records = [(n, json.loads(v.store.read_file(f"{v.dir}/{n}"))) for n in v.record_names()]
    return [(n, r.get("writer", ""), r.get("updates") or {}) for n, r in records]


def test_seed_publish_snapshot(store: ResultStore) -> None:
    v = RunVariables(store, "dag_a", "manual__2024-01-01T00:00:00+00:00")
    assert v.snapshot() == {}
    assert v.seed({"count": 0, "name": "x"}) is True
    assert v.seed({"count": 99}) is False  # idempotent: the first seed stays
    v.publish({"count": 1}, writer="task_a")
    v.publish({"extra": [1, 2]}, writer="task_b")
    assert v.snapshot() == {"count": 1, "name": "x", "extra": [1, 2]}
    assert [w for _, w, _ in history(v)] == ["seed", "task_a", "task_b"]
    other_run = RunVariables(store, "dag_a", "manual__2024-01-02T00:00:00+00:00")
    assert other_run.snapshot() == {}


def test_survives_a_restart(store: ResultStore) -> None:
    RunVariables(store, "d", "r1").publish({"k": "v"}, writer="w")
    fresh = RunVariables(ResultStore(store.url), "d", "r1")
    assert fresh.snapshot() == {"k": "v"}


def test_last_writer_wins_deterministically(store: ResultStore) -> None:
    v = RunVariables(store, "d", "r")
    names = [v.publish({"x": i, f"only_{i}": True}, writer=f"w{i % 3}") for i in range(30)]
    snap = v.snapshot()
    assert snap["x"] == 29  # the record with the greatest (time_ns, writer, random) name
    assert names == sorted(names)
    assert all(snap[f"only_{i}"] for i in range(30))
    assert RunVariables(ResultStore(store.url), "d", "r").snapshot() == snap  # every reader agrees


def test_ids_with_path_characters_stay_inside(store: ResultStore) -> None:
    v = RunVariables(store, "../evil", "../../run/with:colons")
    v.publish({"a": 1}, writer="../w")
    assert v.dir.startswith(store.root + "/vars/")
    assert ".." not in v.dir.split("/")
    assert v.snapshot() == {"a": 1}


def test_threads_lose_no_write(store: ResultStore) -> None:
    v = RunVariables(store, "d", "threads")

    def branch(b: int) -> None:
        mine = RunVariables(store, "d", "threads")
        for i in range(10):
            mine.publish({f"b{b}_{i}": i, "shared": b}, writer=f"branch{b}")

    threads = [threading.Thread(target=branch, args=(b,)) for b in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = v.snapshot()
    assert all(snap[f"b{b}_{i}"] == i for b in range(8) for i in range(10))
    _, last_writer, _ = history(v)[-1]
    assert snap["shared"] == int(last_writer.removeprefix("branch"))


def _publish_from_process(url: str, b: int) -> None:
    v = RunVariables(ResultStore(url), "d", "procs")
    for i in range(10):
        v.publish({f"p{b}_{i}": i, "shared": b}, writer=f"proc{b}")


def test_processes_lose_no_write(tmp_path: Path) -> None:
    store = ResultStore((tmp_path / "store").as_uri())
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_publish_from_process, args=(store.url, b)) for b in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    v = RunVariables(store, "d", "procs")
    snap = v.snapshot()
    assert all(snap[f"p{b}_{i}"] == i for b in range(4) for i in range(10))
    assert len(v.record_names()) == 40
    assert snap["shared"] == int(history(v)[-1][1].removeprefix("proc"))


def test_views_are_published_as_plain_values(store: ResultStore) -> None:
    view = store.load(store.put({"rows": [1, 2, 3]}))
    v = RunVariables(store, "d", "r")
    v.publish({"copy": view}, writer="w")
    assert RunVariables(ResultStore(store.url), "d", "r").snapshot() == {"copy": {"rows": [1, 2, 3]}}
