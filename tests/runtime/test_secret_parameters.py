"""Issue 12 item 4a on a compiled workflow: a ``secret: true`` workflow parameter is masked in
the stored action result, including when its value is the workflow's own default (which the
compiled DAG keeps off its params, so the trigger form never shows it)."""

from __future__ import annotations

import json

import pytest

from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

DEFAULT_SECRET = "default-SECRET-4411"
GIVEN_SECRET = "given-SECRET-7722"

FLOW = f"""
ref: test.secret_parameters
parameters:
  api_key: {{type: string, secret: true, default: {DEFAULT_SECRET}}}
  token: {{type: string, secret: true}}
tasks:
  - name: call
    action: core.echo
    input:
      message: "key={{{{ parameters.api_key }}}} token={{{{ parameters.token }}}}"
"""


def test_secret_defaults_and_given_secrets_are_masked_in_results(tmp_path, registry, dag_env):
    dag = compile_text(tmp_path, "secret_parameters", FLOW, registry)
    assert DEFAULT_SECRET not in json.dumps(dag.params.dump(), default=str)  # kept off the DAG
    report = run_dag(dag, conf={"token": GIVEN_SECRET})
    assert report.states["call.run"] == "success"
    stored = json.dumps(report.result("call"), default=str)
    assert "key=*** token=***" in stored
    assert DEFAULT_SECRET not in stored and GIVEN_SECRET not in stored
