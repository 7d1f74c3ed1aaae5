"""Reading XComs from outside a DAG run: ``airflow tasks test`` and the REST API.

``airflow tasks test`` runs a task the normal way, so it must behave exactly as under BaseXCom.
The REST API (``GET .../xcomEntries/{key}?deserialize=true``) reads the row straight from the
database and never calls the XCom backend (Airflow 3.3's ``routes/public/xcom.py``; common-io's
backend is in the same position): with ``[attune] offload = all`` it answers with our reference
(object key, kind, length, size, preview); with ``offload = attune`` a plain DAG's answer is
byte-for-byte BaseXCom's. docs/xcom-backend.md documents this.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.airflow


def test_airflow_tasks_test_behaves_as_under_basexcom(compat_runs: dict) -> None:
    base, ours = compat_runs["base"]["tasks_test"], compat_runs["attune"]["tasks_test"]
    assert set(base) == {"on_pair[0]", "on_whole[-1]"}
    for probe in base:
        assert base[probe]["returncode"] == 0, base[probe]["tail"]
        assert ours[probe]["returncode"] == 0, ours[probe]["tail"]
        assert ours[probe]["obs"] == base[probe]["obs"] is not None


def test_rest_api_under_basexcom_returns_values(compat_runs: dict) -> None:
    rest = compat_runs["base"]["rest"]
    assert rest["make_dict[-1]"] == [200, {"a": 1, "b": 2}]
    assert rest["on_pair[1]"] == [200, ["b", 2]]


def test_rest_api_with_offload_all_returns_the_reference(compat_runs: dict) -> None:
    rest = compat_runs["attune"]["rest"]
    status, ref = rest["make_dict[-1]"]
    assert status == 200 and ref["__attune_ref__"] == 1 and len(ref["key"]) == 64
    assert ref["kind"] == "dict" and ref["len"] == 2 and ref["preview"]["value"] == {"a": 1, "b": 2}
    status, ref = rest["make_list[-1]"]
    assert ref["kind"] == "list" and ref["len"] == 3 and ref["preview"]["first_items"][0].startswith("0:x")


def test_rest_api_with_offload_attune_is_basexcom_for_plain_dags(attune_scope_run: dict, compat_runs: dict) -> None:
    assert attune_scope_run["rest"] == compat_runs["base"]["rest"]
