"""reference 11 (result view) and reference 6.5 (with_items results are a list of item results)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from attune_provider.expressions import ResultListView, ResultView, WorkflowContext, as_result_view, render
from tests.expressions.views import CountingMapping, wrap

STORED = {
    "succeeded": True,
    "exit_code": 0,
    "duration_ms": 12,
    "stdout": "out",
    "stderr": "",
    "error": None,
    "data": {"items": [1, 2], "status": "ok", "exit_code": 99, "stdout": "data-stdout"},
}


def test_data_keys_are_hoisted() -> None:
    view = ResultView(STORED)
    assert view["items"] == [1, 2]
    assert view["status"] == "ok"
    assert view["data"]["items"] == [1, 2]


def test_result_is_an_alias_of_data() -> None:
    view = ResultView(STORED)
    assert view["result"] is STORED["data"]


def test_metadata_wins_a_clash() -> None:
    view = ResultView(STORED)
    assert view["exit_code"] == 0
    assert view["stdout"] == "out"
    assert view["data"]["exit_code"] == 99


def test_result_alias_wins_over_a_data_key_named_result() -> None:
    view = ResultView({"succeeded": True, "data": {"result": 5, "x": 1}})
    assert view["result"] == {"result": 5, "x": 1}
    assert view["result"]["result"] == 5


def test_keys_iteration_and_len_have_no_duplicates() -> None:
    view = ResultView(STORED)
    keys = list(view)
    assert keys == [
        "succeeded",
        "exit_code",
        "duration_ms",
        "stdout",
        "stderr",
        "error",
        "data",
        "result",
        "items",
        "status",
    ]
    assert len(view) == len(keys)
    assert "items" in view and "result" in view and "nope" not in view
    with pytest.raises(KeyError):
        view["nope"]


@pytest.mark.parametrize("data", [[1, 2], "text", 7, None])
def test_non_mapping_data_exposes_only_metadata_and_result(data: object) -> None:
    view = ResultView({"succeeded": True, "exit_code": 0, "data": data})
    assert view["result"] == data
    assert list(view) == ["succeeded", "exit_code", "data", "result"]


def test_view_reads_lazily_without_materialising() -> None:
    reads: list[str] = []
    stored = wrap({**STORED, "data": {"big": list(range(1000)), "small": 1}}, reads)
    view = ResultView(stored)
    assert view["small"] == 1
    assert "big" not in reads  # only the touched keys were read
    assert isinstance(view["data"], Mapping)


def test_templates_see_the_view() -> None:
    ctx = WorkflowContext(results={"fetch": STORED})
    assert render("{{ task.fetch.items }}", ctx) == [1, 2]
    assert render("{{ task.fetch.data.items }}", ctx) == [1, 2]
    assert render("{{ task.fetch.result.status }}", ctx) == "ok"
    assert render("{{ task.fetch.exit_code }}", ctx) == 0
    assert render("{{ tasks['fetch'].stdout }}", ctx) == "out"


def test_with_items_result_is_a_sequence_of_views() -> None:
    items = [
        {"succeeded": True, "data": {"url": "a"}},
        {"succeeded": False, "error": "boom", "data": None},
    ]
    view = as_result_view(items)
    assert isinstance(view, ResultListView) and isinstance(view, Sequence)
    assert len(view) == 2
    assert isinstance(view[0], ResultView)
    assert view[0]["url"] == "a"
    assert [v["succeeded"] for v in view] == [True, False]
    assert view[-1]["error"] == "boom"
    assert [v["url"] for v in view[:1]] == ["a"]
    assert [v.stored for v in view] == items
    ctx = WorkflowContext(results={"check": items})
    assert render("{{ task.check[0].url }}", ctx) == "a"
    assert render("{{ task.check | map(attribute='succeeded') | list }}", ctx) == [True, False]
    assert render("{{ length(task.check) }}", ctx) == 2


def test_empty_with_items_result() -> None:
    ctx = WorkflowContext(results={"check": []})
    assert render("{{ task.check }}", ctx) == []
    assert render("{{ length(task.check) }}", ctx) == 0


def test_as_result_view_passes_scalars_and_is_idempotent() -> None:
    assert as_result_view(5) == 5
    assert as_result_view("text") == "text"
    view = as_result_view(STORED)
    assert as_result_view(view) is view


def test_dict_of_view_lists_every_visible_key() -> None:
    view = ResultView(CountingMapping({"succeeded": True, "data": {"k": "v"}}))
    assert dict(view) == {"succeeded": True, "data": {"k": "v"}, "result": {"k": "v"}, "k": "v"}


# attune crates/executor/src/scheduler.rs::workflow_result_view: stored keys first, then the
# keys of an object `data`; when there is no `data`, the keys of `stdout.trim()` parsed as a
# JSON *object* (issue 10 item 5: text-output actions printing JSON)
TEXT_RESULT = {
    "succeeded": True,
    "exit_code": 0,
    "duration_ms": 3,
    "stdout": '  {"key": "v", "n": 2, "exit_code": 7}\n',
    "stderr": "",
    "error": None,
    "data": None,
}


def test_text_output_json_object_is_lifted_when_there_is_no_data() -> None:
    view = ResultView(TEXT_RESULT)
    assert view["key"] == "v" and view["n"] == 2
    assert view["exit_code"] == 0  # stored keys still win (or_insert)
    assert "key" in view and list(view).count("key") == 1
    ctx = WorkflowContext(results={"t": TEXT_RESULT})
    assert render("{{ task.t.key }}", ctx) == "v"


@pytest.mark.parametrize(
    "stdout",
    ['["a", "b"]', "plain text", '{"broken": ', "42", ""],
    ids=["array", "text", "invalid", "scalar", "empty"],
)
def test_stdout_that_is_not_a_json_object_is_not_lifted(stdout: str) -> None:
    view = ResultView({**TEXT_RESULT, "stdout": stdout})
    assert "key" not in view
    with pytest.raises(KeyError):
        view["key"]


def test_stdout_is_not_lifted_when_data_exists() -> None:
    view = ResultView({**TEXT_RESULT, "data": {"other": 1}})
    assert view["other"] == 1 and "key" not in view


def test_lifted_stdout_is_parsed_once() -> None:
    reads: list[str] = []
    view = ResultView(wrap(TEXT_RESULT, reads))
    assert view["key"] == "v" and view["n"] == 2
    assert reads.count("stdout") == 1
