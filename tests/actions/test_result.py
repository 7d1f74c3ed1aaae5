"""ActionResult: the stored result shape (reference 11) and its view."""

from __future__ import annotations

import json

import pytest

from attune_provider.actions import ActionResult
from attune_provider.actions.result import RESULT_KEYS


def test_stored_form_has_spec_keys_and_outcome():
    result = ActionResult.success({"items": [1, 2]}, exit_code=0, duration_ms=12, stdout="out", stderr="")
    stored = result.to_dict()
    assert set(stored) == {
        "succeeded",
        "exit_code",
        "duration_ms",
        "stdout",
        "stderr",
        "error",
        "data",
        "outcome",
    }
    assert stored == {
        "succeeded": True,
        "outcome": "succeeded",
        "exit_code": 0,
        "duration_ms": 12,
        "stdout": "out",
        "stderr": "",
        "error": None,
        "data": {"items": [1, 2]},
    }
    assert json.loads(json.dumps(stored)) == stored  # plain JSON, storable anywhere
    assert ActionResult.from_dict(stored) == result


@pytest.mark.parametrize(
    ("result", "outcome", "succeeded"),
    [
        (ActionResult.success(), "succeeded", True),
        (ActionResult.failure("boom"), "failed", False),
        (ActionResult.timeout("too slow"), "timed_out", False),
    ],
)
def test_outcomes(result, outcome, succeeded):
    assert result.outcome == outcome
    assert result.succeeded is succeeded
    assert result.timed_out is (outcome == "timed_out")
    assert result.to_dict()["outcome"] == outcome


def test_contradictory_or_unknown_outcome_is_rejected():
    with pytest.raises(ValueError, match="contradicts"):
        ActionResult(succeeded=True, outcome="failed")
    with pytest.raises(ValueError, match="unknown outcome"):
        ActionResult(succeeded=False, outcome="cancelled")  # type: ignore[arg-type]


def test_from_dict_accepts_a_stored_form_without_outcome():
    stored = {key: None for key in RESULT_KEYS if key != "outcome"} | {"succeeded": False, "duration_ms": 1}
    assert ActionResult.from_dict(stored).outcome == "failed"


def test_to_dict_works_with_the_result_view():
    from attune_provider.expressions.result_view import ResultView

    view = ResultView(
        ActionResult.success({"items": [1, 2], "stdout": "data-stdout"}, stdout="real").to_dict()
    )
    assert view["items"] == [1, 2]  # data keys hoisted
    assert view["data"]["items"] == [1, 2]
    assert view["result"]["items"] == [1, 2]  # `.result` alias
    assert view["stdout"] == "real"  # metadata wins a clash
    assert view["outcome"] == "succeeded"
    assert view["succeeded"] is True


def test_a_timed_out_result_carries_timed_out_true_as_attune_stores_it():
    """attune crates/worker/src/executor.rs handle_execution_timeout: the result gets
    `"timed_out": true`; other results have no such key (so `result().timed_out` is null)."""
    stored = ActionResult.timeout("Execution timed out after 1 seconds", exit_code=-1).to_dict()
    assert stored["timed_out"] is True and stored["succeeded"] is False
    assert "timed_out" not in ActionResult.failure("boom").to_dict()
    assert "timed_out" not in ActionResult.success(1).to_dict()
    from attune_provider.expressions.result_view import ResultView

    assert ResultView(stored)["timed_out"] is True
    assert ActionResult.from_dict(stored).timed_out
