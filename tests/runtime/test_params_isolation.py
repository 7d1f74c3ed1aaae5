"""A run's parameters never leak into the DAG object or into a later run in the same process.

Airflow's ``process_params`` stores each run's ``conf`` value into the DAG's ``Param`` objects
(``Param.resolve`` writes ``value``). Workers parse the DAG per task so they never notice, but
in-process runners (``dag.test()``, ``attune run``) reuse one DAG object: a later run that omits
the parameter would silently get the earlier run's value instead of the default.
"""

from __future__ import annotations

import pytest

from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

FLOW = """
ref: test.params_isolation
parameters:
  regions: {type: array, default: [eu-west, us-east]}
  version: {type: string, default: "1.0"}
tasks:
  - name: say
    action: core.echo
    input:
      message: "{{ parameters.version }}"
output_map:
  regions: "{{ parameters.regions }}"
  version: "{{ parameters.version }}"
"""


def test_a_run_leaves_the_dag_params_and_the_next_run_untouched(dag_env, tmp_path, registry):
    dag = compile_text(tmp_path, "params_isolation", FLOW, registry)
    first = run_dag(dag, {"regions": ["eu-west"], "version": "2.0"})
    assert first.state == "success"
    assert first.output == {"regions": ["eu-west"], "version": "2.0", "succeeded": True}
    # a later run without conf gets the defaults, not the first run's values
    second = run_dag(dag)
    assert second.state == "success"
    assert second.output == {"regions": ["eu-west", "us-east"], "version": "1.0", "succeeded": True}
    # and the DAG object (what a re-sync serializes for the trigger form) keeps the compiled defaults
    assert dag.params["regions"] == ["eu-west", "us-east"]
    assert dag.params["version"] == "1.0"


MUTATING = """
ref: test.params_mutation
parameters:
  flags: {type: array, default: [a]}
  plain: {type: array}
tasks:
  - name: grow
    action: test.grow
"""


def test_an_action_mutating_its_parameters_cannot_change_the_defaults(dag_env, tmp_path, registry):
    """A Python action gets the workflow parameters (no ``input``) and changes them in place."""
    seen: list[list[str]] = []

    def grow(flags, plain=None):
        seen.append(list(flags))
        flags.append("z")
        return {"flags": flags}

    registry.register("test.grow", grow)
    dag = compile_text(tmp_path, "params_mutation", MUTATING, registry)
    # twice from the Param default, then twice with an explicit null (the compiled default fills it)
    for conf in ({}, {}, {"flags": None}, {"flags": None}):
        assert run_dag(dag, conf).state == "success"
    assert seen == [["a"], ["a"], ["a"], ["a"]]  # every run started from the default again
    assert dag.params["flags"] == ["a"]
    assert dag.attune_plan.workflow.parameters["flags"].default == ["a"]
