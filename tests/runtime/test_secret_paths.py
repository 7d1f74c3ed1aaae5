"""Issue 22 point 2 on one real run: a ``secret: true`` parameter, and every value derived from
it, never reaches the store or a process's command line in clear; ``{{ keystore }}`` reads only
the keys a template names. One dag.test() run (module fixture), one test per path."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from attune_provider.actions.registry import ActionRegistry
from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

TOKEN = "tok-SECRET-5150-xyz"
OTHER_VARIABLE = ("attune_test_unrelated", "unrelated-VALUE-8080")

FLOW = """
ref: test.secret_paths
parameters:
  token: {type: string, secret: true}
tasks:
  - name: call
    action: core.local
    input:
      # the command line of this bash process, base64-encoded so no masker can hide it
      cmd: "echo {{ parameters.token | shell_quote }} > /dev/null; tr '\\\\0' ' ' < /proc/$$/cmdline | base64 -w0"
    next:
      - when: "{{ succeeded() }}"
        publish:
          - auth: "Bearer {{ parameters.token }}"
          - shout: "{{ parameters.token | upper }}"
          - cmdline: "{{ result().stdout }}"
        do: [use]
  - name: dump_keystore
    action: core.echo
    input:
      message: "{{ keystore }}"
  - name: use
    action: test.check_auth
    input:
      auth: "{{ vars.auth }}"
output_map:
  token: "{{ parameters.token }}"
  auth: "{{ vars.auth }}"
  shout: "{{ vars.shout }}"
"""


@pytest.fixture(scope="module")
def secret_run(dag_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from airflow.models.variable import Variable

    Variable.set(*OTHER_VARIABLE)
    registry = ActionRegistry(packs_folders=[], entry_point_group=None, pack_entry_point_group=None)
    registry.register("test.check_auth", lambda auth: {"got_the_clear_value": auth == f"Bearer {TOKEN}"})
    dag = compile_text(tmp_path_factory.mktemp("secret_paths"), "secret_paths", FLOW, registry)
    from attune_provider.plugins.secret_conf import seal_secret_conf

    # dag.test() callers seal the conf themselves (the trigger endpoint's middleware does it for
    # the UI and the REST API: tests/plugins/test_secret_conf.py); the runtime unseals it
    report = run_dag(dag, seal_secret_conf({"token": TOKEN}, ["token"]))
    assert report.state == "success", report.states
    return report


def _clear_forms(text: str) -> list[str]:
    return [form for form in (TOKEN, TOKEN.upper()) if form in text]


def test_output_map_result_holds_no_secret(secret_run: Any) -> None:
    """The stored result `show`, the UI and the CLI print."""
    output = secret_run.output
    assert output["token"] == "***" and output["auth"] == "***" and output["shout"] == "***"
    assert _clear_forms(json.dumps(output)) == []


def test_published_variables_are_sealed_at_rest_and_clear_for_the_next_task(secret_run: Any) -> None:
    from attune_provider.store.result_store import ResultStore

    store = ResultStore.from_settings()
    folder = Path(store.files.path("vars"))
    texts = [path.read_text() for path in folder.rglob("*.json")]
    assert texts, f"no variable records under {folder}"
    assert [form for text in texts for form in _clear_forms(text)] == []

    from attune_provider.store.sealed import is_sealed

    raw = json.loads(json.dumps(secret_run.variables()))
    assert is_sealed(raw["auth"]) and is_sealed(raw["shout"])
    assert secret_run.result("use")["data"] == {"got_the_clear_value": True}


def test_shell_command_line_never_holds_a_secret(secret_run: Any) -> None:
    """`ps` shows every user a process's command line; the secret goes through the environment."""
    stdout = secret_run.result("call")["stdout"].strip()
    cmdline = base64.b64decode(stdout).decode()
    assert "bash" in cmdline
    assert _clear_forms(cmdline) == []


def test_keystore_reads_only_the_keys_a_template_names(secret_run: Any) -> None:
    """`{{ keystore }}` used to read every Airflow Variable and store them in the task's result."""
    stored = secret_run.result("dump_keystore")
    assert stored["data"] == {"message": {}}
    assert OTHER_VARIABLE[1] not in json.dumps(stored)


def test_dag_run_conf_holds_the_secret_sealed(secret_run: Any) -> None:
    """The Dag Run Conf view and the REST API show `dag_run.conf`; the `use` task still got the
    clear value (published from it), so the runtime unsealed it."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        conf = session.scalar(select(DagRun.conf).where(DagRun.run_id == secret_run.run_id))
    assert _clear_forms(json.dumps(conf)) == []
    assert secret_run.result("use")["data"] == {"got_the_clear_value": True}
