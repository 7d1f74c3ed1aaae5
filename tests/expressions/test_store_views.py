"""Rendering over the real result store's lazy views reads only what the template touches (reference 6.2)."""

from __future__ import annotations

import uuid

import pytest

from attune_provider.expressions import WorkflowContext, render

result_store = pytest.importorskip("attune_provider.store.result_store")


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    return result_store.ResultStore(f"memory://attune-expressions-{uuid.uuid4().hex}")


def test_render_reads_one_item_of_a_large_stored_result(store) -> None:  # type: ignore[no-untyped-def]
    stored = {
        "succeeded": True,
        "exit_code": 0,
        "data": {"items": [{"url": f"http://h/{i}", "pad": "x" * 2000} for i in range(300)], "n": 300},
    }
    ref = store.put(stored)
    total = store.stats.bytes_written
    ctx = WorkflowContext(results={"fetch": store.load(ref)})
    before = store.stats.bytes_read
    assert render("{{ task.fetch.items[217].url }}", ctx) == "http://h/217"
    assert render("{{ task.fetch.n }} {{ length(task.fetch.items) }}", ctx) == "300 300"
    read = store.stats.bytes_read - before
    assert read < total / 20, (read, total)


def test_store_views_as_with_items_results_and_json_text(store) -> None:  # type: ignore[no-untyped-def]
    ref = store.put([{"succeeded": True, "data": {"v": 1}}, {"succeeded": False, "error": "e", "data": None}])
    ctx = WorkflowContext(
        results={"loop": store.load(ref)}, parameters=store.load(store.put({"a": [1, {"b": 2}]}))
    )
    assert render("{{ task.loop[0].v }} {{ task.loop[1].error }}", ctx) == "1 e"
    assert render("{{ task.loop | map(attribute='succeeded') | list }}", ctx) == [True, False]
    assert render("a={{ parameters.a }}", ctx) == 'a=[1,{"b":2}]'
    assert render("{{ keys(parameters) }} {{ flat(parameters.a) }}", ctx) == '["a"] [1,{"b":2}]'
