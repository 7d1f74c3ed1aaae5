from __future__ import annotations

import pytest

from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow


def test_linear_workflow_runs_end_to_end(dag_env, tmp_path, registry):
    seen = []

    def fetch(count):
        seen.append(("fetch", count))
        return {"items": list(range(count))}

    def total(values):
        seen.append(("total", list(values)))
        return {"sum": sum(values)}

    registry.register("test.fetch", fetch)
    registry.register("test.total", total)
    dag = compile_text(tmp_path, "linear", """
        ref: test.linear
        label: Linear
        parameters:
          count: {type: integer, default: 3}
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
              message: "sum={{ task.total.sum }} n={{ workflow.n }}"
        output_map:
          sum: "{{ task.total.sum }}"
          n: "{{ n }}"
          note: "{{ vars.note }}"
    """, registry)
    report = run_dag(dag, {"count": 4})
    assert report.state == "success"
    assert seen == [("fetch", 4), ("total", [0, 1, 2, 3])]
    assert report.states == {"fetch.run": "success", "total.run": "success", "say.run": "success", "end": "success"}
    assert report.output == {"sum": 6, "n": 4, "note": "start", "succeeded": True}
    assert report.variables() == {"note": "start", "n": 4}
