"""The preview in an XCom reference (docs/ui.md, "Airflow's XCom tab"): useful on its own,
JSON rather than Python repr, pointing to the Attune result tab, masked, and edit-proof.

The end-to-end tests go through the real ``AttuneXComBackend.serialize_value`` (what a task
writes into its XCom row) and ``deserialize_value`` (what the next task reads).
"""

from __future__ import annotations

import json

import pytest

from attune_provider.store.preview import (
    FULL_VALUE_BYTES,
    EditedReferenceError,
    build_preview,
    check_unedited,
    result_tab_path,
)
from attune_provider.xcom import AttuneXComBackend


class _Row:
    def __init__(self, value):
        self.value = value


def _ref(value, **ids):
    return AttuneXComBackend.serialize_value(value, key="return_value", **ids)


def test_small_values_are_shown_in_full_as_json():
    value = {"gate": True, "next": ["summarize"], "when": "succeeded()", "count": 3}
    ref = _ref(value, dag_id="d", run_id="r", task_id="route.gate")
    assert ref["preview"]["value"] == value
    assert _ref([1, 2, 3, 4, 5])["preview"]["value"] == [1, 2, 3, 4, 5]
    assert _ref("done")["preview"]["value"] == "done"


def test_large_lists_show_their_first_items_as_json_not_repr():
    items = [{"id": i, "name": f"srv-{i:04d}", "blob": "x" * 5000} for i in range(100)]
    ref = _ref(items, dag_id="d", run_id="r", task_id="t")
    preview = ref["preview"]
    assert "value" not in preview
    first = preview["first_items"]
    assert [item["name"] for item in first] == ["srv-0000", "srv-0001", "srv-0002"]
    assert first[0]["id"] == 0 and isinstance(first[0], dict)  # JSON, not "{'id': 0, ...}"
    assert first[0]["blob"].startswith("xxxx") and "5,000 chars" in first[0]["blob"]
    assert preview["more"] == 97
    assert len(json.dumps(ref)) < 1500


def test_large_mappings_show_their_first_entries():
    value = {f"k{i}": {"v": i, "pad": "p" * 300} for i in range(50)}
    preview = _ref(value)["preview"]
    assert list(preview["first_items"]) == ["k0", "k1", "k2"]
    assert preview["first_items"]["k1"]["v"] == 1
    assert preview["more"] == 47
    assert preview["first_keys"] == [f"k{i}" for i in range(8)]
    assert next(iter(preview)) == "full_value"  # shown first in Airflow's XCom tab
    long_text = "line\n" * 1000
    assert _ref(long_text)["preview"]["start"].startswith("line\nline")


def test_an_action_result_shows_its_outcome_and_data_first():
    result = {
        "exit_code": 0,
        "duration_ms": 4,
        "stdout": "x" * 900,
        "stderr": "",
        "succeeded": True,
        "outcome": "succeeded",
        "data": {"id": 3, "name": "srv-0003", "status": "ok", "ms": 2},
    }
    first = _ref(result)["preview"]["first_items"]
    assert list(first) == ["succeeded", "outcome", "data"]
    assert first["data"]["name"] == "srv-0003"


def test_the_preview_points_to_the_attune_result_tab():
    run_id = "manual__2026-01-01T00:00:00+00:00"
    ref = _ref(["a"] * 500, dag_id="examples.health", run_id=run_id, task_id="check.run", map_index=2)
    pointer = ref["preview"]["full_value"]
    run = "manual__2026-01-01T00%3A00%3A00%2B00%3A00"
    assert pointer.startswith(f"Attune result tab: /dags/examples.health/runs/{run}/")
    assert pointer.endswith("/tasks/check.run/mapped/2/plugin/attune-result")
    assert result_tab_path("d", "r", "t", -1) == "/dags/d/runs/r/tasks/t/plugin/attune-result"


def test_the_preview_is_masked():
    from airflow.sdk.log import mask_secret

    mask_secret("s3cr3t-token-value-0042")
    ref = _ref({"password": "hunter2-hunter2", "out": "token=s3cr3t-token-value-0042 ok"})
    text = json.dumps(ref)
    assert "hunter2" not in text and "s3cr3t-token-value-0042" not in text
    assert ref["preview"]["value"]["password"] == "***"
    big = _ref({"log": "x" * 50 + " s3cr3t-token-value-0042 " + "y" * 5000})
    assert "s3cr3t" not in json.dumps(big)


def test_preview_is_bounded_for_huge_values():
    huge = [[[[list(range(1000))] * 50] * 50]] * 2000
    preview = build_preview(huge)
    assert len(json.dumps(preview)) < 2 * FULL_VALUE_BYTES
    wide = [{f"field{j}": "z" * 500 for j in range(50)} for _ in range(50)]
    assert len(json.dumps(build_preview(wide))) < 2 * FULL_VALUE_BYTES


def test_an_edited_preview_is_a_loud_error_not_a_silently_ignored_edit():
    ref = _ref([1, 2, 3], dag_id="d", run_id="r", task_id="t")
    assert AttuneXComBackend.deserialize_value(_Row(ref))[:] == [1, 2, 3]
    edited = json.loads(json.dumps(ref))
    edited["preview"]["value"] = [1, 2, 4]  # what a user would do in the XCom tab's Edit
    with pytest.raises(EditedReferenceError, match="read-only summary"):
        check_unedited(edited)
    with pytest.raises(EditedReferenceError):
        AttuneXComBackend.deserialize_value(_Row(json.dumps(edited)))
    # replacing the whole row with a plain value is the documented way to override a result
    assert AttuneXComBackend.deserialize_value(_Row([1, 2, 4])) == [1, 2, 4]
