"""A compiled DAG's params: readers get copies, writes through a copy fail loudly, and the
serialized DAG (what the trigger form shows) still carries each Param's schema and default."""

from __future__ import annotations

import pytest
from airflow.sdk.definitions.param import Param, ParamsDict

from attune_provider.compiler.dag_class import AttuneDAG


def _dag() -> AttuneDAG:
    dag = AttuneDAG(dag_id="t.params", schedule=None)
    dag.params = ParamsDict({"regions": Param(["a", "b"], type="array")})
    return dag


def test_resolving_a_read_copy_leaves_the_dag_default():
    dag = _dag()
    merged = ParamsDict()
    merged.update(dag.params)  # what Airflow's process_params does at every task
    merged.update({"regions": ["x"]})
    assert merged.validate() == {"regions": ["x"]}
    assert dag.params["regions"] == ["a", "b"]


def test_the_callers_param_objects_are_not_kept():
    mine = Param(["a"], type="array")
    dag = AttuneDAG(dag_id="t.params2", schedule=None)
    dag.params = {"regions": mine}
    mine.resolve(value=["z"])
    assert dag.params["regions"] == ["a"]


def test_writing_through_a_copy_raises():
    dag = _dag()
    with pytest.raises(TypeError, match="cannot set param 'regions'"):
        dag.params["regions"] = ["c"]
    with pytest.raises(TypeError, match="cannot delete param"):
        del dag.params["regions"]


def test_serialized_params_keep_schema_and_default():
    from airflow.serialization.serialized_objects import DagSerialization

    encoded = dict(DagSerialization.serialize_dag(_dag())["params"])
    assert encoded["regions"]["default"] == ["a", "b"]
    assert "array" in str(encoded["regions"]["schema"])


def test_changing_a_read_value_in_place_leaves_the_default():
    dag = _dag()
    dag.params.get_param("regions").value.append("c")
    assert dag.params["regions"] == ["a", "b"]


def test_a_param_without_default_stays_without_one_in_every_copy():
    """Airflow's "not set" sentinel is kept by identity (``has_value``), not copied."""
    dag = AttuneDAG(dag_id="t.params4", schedule=None)
    dag.params = {"required": Param(type="string")}
    copy = dag.params.get_param("required")
    assert not copy.has_value and copy is not dag.params.get_param("required")


def test_the_dag_hashes_by_identity_only_while_it_is_built():
    from airflow.sdk import DAG

    from attune_provider.compiler.dag_class import hashed_by_identity

    dag = _dag()
    with hashed_by_identity(dag):
        assert hash(dag) == object.__hash__(dag)
    assert hash(dag) == DAG.__hash__(dag) and type(dag) is AttuneDAG
