"""A timer rule's DAG runs its action with the rule's action_params (issue 21, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from attune_provider.compiler import compile_workflow
from attune_provider.spec.loader import load_pack
from tests.runtime.helpers import expose, run_dag

pytestmark = pytest.mark.airflow

FILES = {
    "pack.yaml": "ref: ruled\nversion: '1.0.0'\n",
    "actions/greet.yaml": (
        "ref: ruled.greet\nrunner_type: python\nentry_point: greet.py\noutput_format: json\n"
        "parameters:\n  who: {type: string, required: true}\n  times: {type: integer, default: 1}\n"
    ),
    "actions/greet.py": (
        "import json, sys\nparams = json.loads(sys.stdin.readline())\n"
        "print(json.dumps({'greeting': ' '.join(['hello ' + params['who']] * params['times'])}))\n"
    ),
    "rules/hourly.yaml": (
        "ref: hourly_greeting\ntrigger_ref: core.intervaltimer\naction_ref: greet\n"
        "trigger_params: {interval: 1, unit: hours}\naction_params: {who: team, times: 2}\n"
    ),
}


def test_rule_dag_runs_the_action_with_action_params(tmp_path: Path, dag_env) -> None:
    for name, text in FILES.items():
        (tmp_path / "ruled" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "ruled" / name).write_text(text)
    loaded = load_pack(tmp_path / "ruled")
    assert not loaded.errors, loaded.errors
    dag = expose(compile_workflow(loaded.workflows["ruled.hourly_greeting"]))
    report = run_dag(dag)  # a scheduled run gets no conf: the params' defaults are the rule's
    assert report.state == "success"
    assert report.result("greet")["data"] == {"greeting": "hello team hello team"}
