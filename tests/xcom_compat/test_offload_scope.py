"""``[attune] offload = attune``: plain DAGs keep BaseXCom rows, compiled attune DAGs still offload."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.airflow


def test_plain_dag_rows_are_exactly_basexcom_rows(attune_scope_run: dict, compat_runs: dict) -> None:
    ours = attune_scope_run["xcom"]["xcom_compat_matrix"]
    base = compat_runs["base"]["xcom"]["xcom_compat_matrix"]
    assert not [k for k, v in ours.items() if "__attune_ref__" in v]
    same_keys = sorted(k.split("[")[0] + k.split("]")[1] for k in ours)
    assert same_keys == sorted(k.split("[")[0] + k.split("]")[1] for k in base)
    assert ours["make_list[-1].return_value"] == base["make_list[-1].return_value"]
    assert ours["make_odd_types[-1].return_value"] == base["make_odd_types[-1].return_value"]


def test_plain_dag_behaves_as_under_basexcom(attune_scope_run: dict, compat_runs: dict) -> None:
    base = compat_runs["base"]
    assert attune_scope_run["dags"]["xcom_compat_matrix"]["tis"] == base["dags"]["xcom_compat_matrix"]["tis"]
    assert attune_scope_run["obs"] == {k: v for k, v in base["obs"].items() if not k.startswith("views_")}


def test_compiled_attune_dag_is_still_offloaded(attune_scope_run: dict) -> None:
    run = attune_scope_run["dags"]["xcom_compat.scope"]
    assert run["state"].endswith("success"), run
    rows = attune_scope_run["xcom"]["xcom_compat.scope"]
    offloaded = [k for k, v in rows.items() if k.endswith(".return_value") and "__attune_ref__" in v]
    assert offloaded, rows
