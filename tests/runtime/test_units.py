"""Pure helpers of the runtime: item lists, batching, labels, state keys, inquiry answers."""

from __future__ import annotations

from attune_provider.runtime.inquiry import answer_from_xcom
from attune_provider.runtime.items import as_item_list, chunk_units, item_label, make_units, unpack_chunk
from attune_provider.runtime.states import RunStates


def test_a_non_list_value_is_one_item_and_none_is_none():
    assert as_item_list([1, 2]) == [1, 2]
    assert as_item_list("solo") == ["solo"]
    assert as_item_list({"a": 1}) == [{"a": 1}]
    assert as_item_list(None) == []
    assert as_item_list((1, 2)) == (1, 2)


def test_batches_and_automatic_chunks_keep_order():
    units = make_units(list(range(7)), 3)
    assert units == [[0, 1, 2], [3, 4, 5], [6]]
    assert make_units([1, 2], None) == [1, 2]
    mapped, chunk = chunk_units(list(range(10)), 4)
    assert chunk == 3 and len(mapped) == 4
    assert [unpack_chunk(value) for value in mapped] == [
        (0, [0, 1, 2]),
        (3, [3, 4, 5]),
        (6, [6, 7, 8]),
        (9, [9]),
    ]
    assert chunk_units([1, 2], 4) == ([1, 2], 0)
    assert unpack_chunk({"name": "x"}) is None


def test_item_labels_prefer_name_then_id_then_text():
    assert item_label({"name": "alpha", "id": 3}, 0) == "0: alpha"
    assert item_label({"id": 7}, 1) == "1: 7"
    assert item_label("eu-west", 2) == "2: eu-west"
    assert item_label({"x": "y" * 100}, 3).endswith("…")
    assert item_label(chunk_units(list(range(5)), 2)[0][1], 1) == "items 3-4"


def test_run_states_decode_mapped_keys():
    states = RunStates(
        {"a.run": "success", "b.run_0": "success", "b.run_1": "failed", "b.run_x": "odd", "other": "x"},
        ["a.run", "b.run"],
    )
    assert states.state("a.run") == "success"
    assert states.mapped("b.run") == {0: "success", 1: "failed"}
    assert states.is_expanded("b.run") and not states.is_expanded("a.run")
    assert states.state("c.run") is None


def test_inquiry_answer_mapping():
    answer = answer_from_xcom(
        {"chosen_options": ["reject"], "params_input": {"note": "no"}, "responded_by_user": {"id": "u"}}
    )
    assert answer["response"] == {
        "note": "no",
        "chosen_options": ["reject"],
        "choice": "reject",
        "approved": False,
    }
    assert answer["responded_by"] == {"id": "u"}
    assert answer_from_xcom(None) is None
    custom = answer_from_xcom({"chosen_options": ["later"], "params_input": {}})
    assert "approved" not in custom["response"] and custom["response"]["choice"] == "later"


def test_publish_of_a_value_that_is_not_json_data_is_logged_and_skipped(caplog) -> None:
    """reference 4.3: a publish that cannot be stored leaves the variable unchanged; the others still publish."""
    import logging

    from attune_provider.expressions.context import WorkflowContext
    from attune_provider.runtime.plan import TaskPlan
    from attune_provider.runtime.routing import evaluate_transitions
    from attune_provider.spec.model import TaskSpec, Transition

    spec = TaskSpec(
        name="t",
        action="core.noop",
        next=(Transition(publish=(("fn", "{{ lower }}"), ("ok", "{{ 1 + 1 }}")), do=("u",)),),
    )
    plan = TaskPlan(spec=spec, inbound=(), targets=("u",), mapped=False, nested=False)
    ctx = WorkflowContext(parameters={}, variables={"fn": "old"}, results={}, system={})
    with caplog.at_level(logging.ERROR):
        selected, updates, _ = evaluate_transitions(plan, ctx, "succeeded", None, logging.getLogger("t"))
    assert selected == ["u"]
    assert updates == {"ok": 2}
    assert "publish of 'fn' is not JSON data" in caplog.text
