"""Issue 21 item 1 in a real Airflow run (dag.test): a pack action runs in its pack's virtualenv,
and a pack whose requirements cannot be installed fails its task once, without the workflow's
retries (Airflow's non-retrying failure), naming the pack, the requirement and pip's message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attune_provider.actions.registry import ActionRegistry
from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

REQPACK = Path(__file__).resolve().parents[1] / "actions" / "envpacks" / "reqpack"

WORKFLOW = """
ref: test.pack_envs
tasks:
  - name: numeral
    action: reqpack.numeral
    input: {number: 7}
    next:
      - do: [broken]
  - name: broken
    action: brokenreq.go
    retry: {count: 2, delay: 1}
"""


def test_pack_env_in_a_run_and_a_failed_install_is_not_retried(tmp_path, dag_env):
    broken = tmp_path / "brokenreq"
    (broken / "actions").mkdir(parents=True)
    (broken / "pack.yaml").write_text('ref: brokenreq\nversion: "1.0.0"\n')
    (broken / "requirements.txt").write_text("roman==5.2\nthis is not a requirement !!\n")
    (broken / "actions" / "go.yaml").write_text("ref: brokenreq.go\nrunner_type: python\nentry_point: go.py\n")
    (broken / "actions" / "go.py").write_text("print('never runs')\n")
    registry = ActionRegistry(packs=[REQPACK, broken], pack_entry_point_group=None)
    report = run_dag(compile_text(tmp_path, "pack_envs", WORKFLOW, registry))

    assert report.task_state("numeral") == "success"
    assert report.result("numeral")["data"]["numeral"] == "VII"
    assert report.task_state("broken") == "failed"
    assert report.retry_gaps("broken.run") == []  # one try only, although retry.count is 2
    ti = report.dagrun.get_task_instance("broken.run")
    assert ti is not None and ti.try_number == 1
