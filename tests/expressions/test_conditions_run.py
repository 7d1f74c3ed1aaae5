"""Issue 10 item 2 end to end: bare `when` conditions route a real Airflow run as attune does.

Before the fix the bare conditions were plain text: the route logged an error, used false,
and the run ended *succeeded* having skipped ``work``.
"""

from __future__ import annotations

import pytest

from tests.runtime.conftest import dag_env, registry  # noqa: F401  (fixtures)
from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

WORKFLOW = """
ref: test.bare_when
label: Bare when
tasks:
  - name: fetch
    action: test.fetch
    next:
      - when: succeeded() and result().code == 200
        publish:
          - code: "{{ result().code }}"
        do: [work]
      - when: result().code == 500 or failed()
        do: [never]
      - when: code_is_null == null
        do: [null_check]
      - when: always
        do: [audit]
  - name: work
    action: test.record
    input: {name: work}
  - name: never
    action: test.record
    input: {name: never}
  - name: null_check
    action: test.record
    input: {name: null_check}
  - name: audit
    action: test.record
    input: {name: audit}
vars:
  code_is_null: null
"""


def test_bare_when_routes_the_run(dag_env, registry, tmp_path):  # noqa: F811
    calls: list[str] = []
    registry.register("test.fetch", lambda: {"code": 200})
    registry.register("test.record", lambda name: calls.append(name) or {"ran": name})
    dag = compile_text(tmp_path, "bare_when", WORKFLOW, registry)

    report = run_dag(dag)

    assert report.decision("fetch")["selected"] == ["work", "null_check", "audit"]
    assert report.task_state("work") == "success"
    assert report.task_state("never") == "skipped"
    assert sorted(calls) == ["audit", "null_check", "work"]
    assert report.variables()["code"] == 200
