"""A linear pack workflow end to end: parameters, vars, publish, task results, config (pack),
keystore (Airflow Variables), system values of the run's interval, output_map (reference 2, 7, 8, 10.2)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from attune_provider.compiler import compile_workflow
from attune_provider.spec.loader import load_pack
from tests.runtime.helpers import expose, run_dag

pytestmark = pytest.mark.airflow

PACK = """
ref: shop
label: Shop
version: "1.0.0"
config:
  region: eu-west
"""

ACTION = """
ref: shop.linear
label: Linear
description: fetch, total, say
workflow_file: workflows/linear.workflow.yaml
parameters:
  count: {type: integer, default: 3}
tags: [linear]
"""

GRAPH = """
version: "1.0.0"
vars:
  note: start
tasks:
  - name: fetch
    action: test.fetch
    input:
      count: "{{ parameters.count }}"
    next:
      - when: "{{ succeeded() }}"
        publish:
          - n: "{{ length(result().items) }}"
        do: [total]
  - name: total
    action: test.total
    input:
      values: "{{ task.fetch.items }}"
    next:
      - do: [say]
  - name: say
    action: core.echo
    input:
      message: "sum={{ task.total.sum }} n={{ workflow.n }} in {{ config.region }}"
output_map:
  sum: "{{ task.total.sum }}"
  n: "{{ n }}"
  note: "{{ vars.note }}"
  said: "{{ task.say.stdout | trim }}"
  region: "{{ config.region }}"
  token: "{{ keystore.shop_token }}"
  dag: "{{ system.dag_id }}"
  interval_start: "{{ system.data_interval_start }}"
  run_id: "{{ system.run_id }}"
"""


def write_pack(root):
    (root / "actions" / "workflows").mkdir(parents=True)
    (root / "pack.yaml").write_text(textwrap.dedent(PACK))
    (root / "actions" / "linear.yaml").write_text(textwrap.dedent(ACTION))
    (root / "actions" / "workflows" / "linear.workflow.yaml").write_text(textwrap.dedent(GRAPH))
    return root


def test_linear_pack_workflow_runs_end_to_end(dag_env, tmp_path, registry, monkeypatch):
    seen = []

    def fetch(count):
        seen.append(("fetch", count))
        return {"items": list(range(count))}

    def total(values):
        seen.append(("total", list(values)))
        return {"sum": sum(values)}

    registry.register("test.fetch", fetch)
    registry.register("test.total", total)
    monkeypatch.setenv("AIRFLOW_VAR_SHOP_TOKEN", "s3cr3t")
    loaded = load_pack(write_pack(tmp_path / "shop"))
    assert not loaded.errors
    dag = expose(compile_workflow(loaded.workflows["shop.linear"], registry=registry))
    logical_date = datetime(2024, 3, 1, tzinfo=UTC)

    report = run_dag(dag, {"count": 4}, logical_date=logical_date)
    assert report.state == "success"
    assert seen == [("fetch", 4), ("total", [0, 1, 2, 3])]
    # one task instance per unmapped attune task, plus the end leaf
    assert report.states == {
        "fetch.run": "success",
        "total.run": "success",
        "say.run": "success",
        "end": "success",
    }
    output = report.output
    assert output.pop("run_id") == report.run_id
    assert output.pop("interval_start") == logical_date  # the run's data interval, not "now"
    assert output == {
        "sum": 6,
        "n": 4,
        "note": "start",
        "said": "sum=6 n=4 in eu-west",
        "region": "eu-west",
        "token": "***",  # a keystore value: never in clear in the stored result (issue 22)
        "dag": "shop.linear",
        "succeeded": True,
    }
    assert report.variables() == {"note": "start", "n": 4}
    assert report.result("fetch")["data"] == {"items": [0, 1, 2, 3]}
