"""reference 1.4 last sentence: parameter defaults fill missing or null parameters at run start.

Exercises the function every compiled task uses to build ``parameters`` from the Airflow task
context (``params`` plus the run's ``conf``), on a really compiled workflow plan.
"""

from __future__ import annotations

from types import SimpleNamespace

from attune_provider.compiler import compile_workflow
from attune_provider.runtime.context import workflow_parameters
from attune_provider.spec.loader import load_workflow_file
from tests.runtime.helpers import write_workflow

FLOW = """
ref: test.parameter_defaults
parameters:
  region: {type: string, default: eu}
  count: {type: integer, default: 3}
  note: {type: string}
  flags: {type: array, default: [a]}
tasks:
  - name: only
    action: core.noop
"""


def _plan(folder, registry):
    """Compiled but not exposed to dag.test(): no DAG run is needed here."""
    spec = load_workflow_file(write_workflow(folder, "parameter_defaults", FLOW))
    return compile_workflow(spec, registry=registry).attune_plan


def test_defaults_fill_missing_and_null_parameters(tmp_path, registry):
    plan = _plan(tmp_path, registry)
    context = {
        "params": {"region": None, "note": None},
        "dag_run": SimpleNamespace(conf={"count": None, "extra": "kept"}),
    }
    values = workflow_parameters(plan, context)
    assert values["region"] == "eu"  # null in params -> default
    assert values["count"] == 3  # null in conf -> default
    assert values["flags"] == ["a"]  # missing -> default
    assert values["note"] is None  # no default: stays null
    assert values["extra"] == "kept"  # conf keys beyond the schema pass through


def test_given_values_win_over_defaults(tmp_path, registry):
    plan = _plan(tmp_path, registry)
    context = {"params": {"region": "us", "count": 0}, "dag_run": SimpleNamespace(conf={"flags": []})}
    values = workflow_parameters(plan, context)
    assert values["region"] == "us" and values["count"] == 0 and values["flags"] == []
