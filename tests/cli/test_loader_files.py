"""issue 14 item 1: a CLI run never changes what the deployment's loader shows.

The DAGs folder is parsed with Airflow's own DagBag after the CLI prepared its file: every DAG id
is defined once, with no import errors, whether the workflow belongs to the deployment's
workflows folder or lives elsewhere.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from attune_provider.cli import loader_files
from attune_provider.dag_loading.published import workflows_in

ROOT = Path(__file__).resolve().parents[2]

WORKFLOW = """\
ref: {ref}
tasks:
  - name: hello
    action: core.echo
    input: {{message: hi}}
"""


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    dags = tmp_path / "dags"
    workflows = tmp_path / "workflows"
    elsewhere = tmp_path / "elsewhere"
    for folder in (dags, workflows, elsewhere):
        folder.mkdir()
    monkeypatch.setenv("AIRFLOW__ATTUNE__WORKFLOWS_FOLDER", str(workflows))
    monkeypatch.setenv("AIRFLOW__ATTUNE__PACKS_FOLDER", "")
    (workflows / "owned.yaml").write_text(WORKFLOW.format(ref="deploy.owned"))
    (workflows / "other.yaml").write_text(WORKFLOW.format(ref="deploy.other"))
    (elsewhere / "mine.yaml").write_text(WORKFLOW.format(ref="cli.mine"))
    return dags, workflows, elsewhere


def _parse(dags: Path):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags))
    return bag, {dag_id: bag.dags[dag_id].fileloc for dag_id in bag.dags}


def test_workflow_of_the_deployment_reuses_its_loader(deployment):
    dags, workflows, _ = deployment
    # an earlier CLI run (before attune_dags.py was installed) left its own file behind
    stale = loader_files.prepare(dags, "deploy.owned", {"deploy.owned": workflows / "owned.yaml"})
    assert stale.name == "attune_cli__deploy_owned.py"
    shutil.copy(ROOT / "dags" / "attune_dags.py", dags / "attune_dags.py")

    bag, where = _parse(dags)  # the stale file defines nothing the deployment owns
    assert bag.import_errors == {}
    assert {"deploy.owned", "deploy.other"} <= set(where)
    assert Path(where["deploy.owned"]).name == "attune_dags.py"

    used = loader_files.prepare(dags, "deploy.owned", {"deploy.owned": workflows / "owned.yaml"})
    assert used == dags / "attune_dags.py"
    assert not stale.exists()
    bag, where = _parse(dags)
    assert bag.import_errors == {} and Path(where["deploy.owned"]).name == "attune_dags.py"


def test_workflow_elsewhere_gets_a_cli_file_beside_the_deployment(deployment):
    dags, _, elsewhere = deployment
    shutil.copy(ROOT / "dags" / "attune_dags.py", dags / "attune_dags.py")
    used = loader_files.prepare(dags, "cli.mine", {"cli.mine": elsewhere / "mine.yaml"})
    assert used.name == "attune_cli__cli_mine.py"
    bag, where = _parse(dags)
    assert bag.import_errors == {}
    assert Path(where["cli.mine"]).name == "attune_cli__cli_mine.py"
    assert Path(where["deploy.owned"]).name == "attune_dags.py"  # the deployment still shows all


def test_the_ui_reads_back_which_workflows_a_cli_file_publishes(deployment, tmp_path):
    """The workflow view finds a CLI-run DAG's YAML through its loader file (format owned here)."""
    dags, _, elsewhere = deployment
    used = loader_files.prepare(dags, "cli.mine", {"cli.mine": elsewhere / "mine.yaml"})
    assert workflows_in(used) == {"cli.mine": str((elsewhere / "mine.yaml").resolve())}
    broken = tmp_path / "broken.py"
    broken.write_text("publish(globals(), {'x': open('y')}, __file__)\n")
    assert workflows_in(broken) == {}  # never evaluates code: not a literal, nothing
