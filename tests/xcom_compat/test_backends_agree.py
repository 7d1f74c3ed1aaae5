"""Installing the provider must never change what a DAG does: identical outcomes under both backends.

Airflow's example DAGs (from the installed package) and the matrix DAG
(``dag_files/xcom_compat_matrix.py``: expand over lists and dicts, expand_kwargs, map, zip,
concat, mapped task groups, xcom_pull forms, XComArgs in templated fields and Jinja, classic
operators' do_xcom_push) run under ``BaseXCom`` and under ``AttuneXComBackend``.
"""

from __future__ import annotations

import json

import pytest

from tests.xcom_compat.conftest import EXAMPLE_DAG_IDS

pytestmark = pytest.mark.airflow


@pytest.mark.parametrize("dag_id", [*EXAMPLE_DAG_IDS, "xcom_compat_matrix"])
def test_task_instance_states_are_identical(compat_runs: dict, dag_id: str) -> None:
    base, ours = compat_runs["base"]["dags"][dag_id], compat_runs["attune"]["dags"][dag_id]
    assert "error" not in base, base
    assert ours == {**base, "run_id": ours.get("run_id")}, f"{dag_id}: outcomes differ"


def test_every_example_ran_under_basexcom(compat_runs: dict) -> None:
    """Guards the comparison itself: a DAG that did not run proves nothing."""
    dags = compat_runs["base"]["dags"]
    assert set(EXAMPLE_DAG_IDS) <= set(dags)
    for dag_id in EXAMPLE_DAG_IDS:
        assert dags[dag_id].get("tis"), dags[dag_id]


def test_matrix_consumers_see_identical_values_and_types(compat_runs: dict) -> None:
    base, ours = (
        {k: v for k, v in compat_runs[b]["obs"].items() if not k.startswith("views_")} for b in ("base", "attune")
    )
    assert len(base) >= 40  # every consumer of the matrix recorded what it received
    differing = []
    for consumer in sorted(set(base) | set(ours)):
        seen_base, seen_ours = base.get(consumer) or {}, ours.get(consumer) or {}
        for name in sorted(set(seen_base) | set(seen_ours)):
            if seen_base.get(name) != seen_ours.get(name):
                shown = [json.dumps(s.get(name), default=str)[:160] for s in (seen_base, seen_ours)]
                differing.append(f"{consumer} {name}:\n  BaseXCom: {shown[0]}\n  attune:   {shown[1]}")
    assert not differing, "\n".join(differing)


def test_dict_expansion_gets_real_key_value_pairs(compat_runs: dict) -> None:
    """Issue 15's observed break: ``show.expand(pair=make())`` with ``make()`` returning a dict."""
    ours = compat_runs["attune"]
    assert ours["dags"]["xcom_compat_matrix"]["tis"]["on_pair[0]"] == "success"
    assert ours["obs"]["on_pair.0"]["pair"]["types"] == {"tuple": ["str", "int"]}
    assert ours["obs"]["on_pair.1"]["pair"]["repr"] == "('b', 2)"


def test_the_matrix_really_went_through_the_store(compat_runs: dict) -> None:
    """Otherwise agreement would be trivial: our backend keeps return values out of the rows."""
    rows = compat_runs["attune"]["xcom"]["xcom_compat_matrix"]
    assert '"__attune_ref__": 1' in rows["make_list[-1].return_value"].replace("\\", "")
    base_rows = compat_runs["base"]["xcom"]["xcom_compat_matrix"]
    assert "__attune_ref__" not in base_rows["make_list[-1].return_value"]


def test_a_mapped_instance_reads_only_its_own_item(compat_runs: dict) -> None:
    """Per-item reads survive compatibility: expanding over a stored list stays lazy."""
    by_scope = compat_runs["attune"]["store_bytes"]
    reads = {label.split("/")[3]: n for label, n in by_scope.items() if label.split("/")[2] == "on_item"}
    assert set(reads) == {"0", "1", "2"}
    item_bytes = 2000 + 10
    assert all(n < 2 * item_bytes for n in reads.values()), reads  # the list holds 3 items


def test_a_dag_tagged_attune_views_gets_lazy_views_by_choice(compat_runs: dict) -> None:
    assert compat_runs["base"]["obs"]["views_read.-1"] == {"whole": "dict"}
    assert compat_runs["attune"]["obs"]["views_read.-1"] == {"whole": "LazyMapping"}
    reads = [n for label, n in compat_runs["attune"]["store_bytes"].items() if "/views_read/" in label]
    assert reads and reads[0] < 5000, reads  # one key of a 20 kB dict, not the dict
