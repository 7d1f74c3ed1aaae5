"""Issue 21, "Done when": a real SDK-based pack from the attune-packs organisation runs unchanged
through ``attune-airflow run``.

The pack is read from ``$ATTUNE_PUBLIC_PACKS/python_example`` (attune-packs/python_example, kept
outside the project); the test skips when it is absent. Its actions ``hello`` and
``list_numbers`` ``import attune`` (the ``attune-sdk`` distribution its requirements.txt names);
before issue 21 they failed with ``ModuleNotFoundError: No module named 'attune'``. The pack's
own workflow ``python_example.timeline_demo`` runs with short durations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def python_example() -> Path:
    root = os.environ.get("ATTUNE_PUBLIC_PACKS")
    pack = Path(root) / "python_example" if root else None
    if pack is None or not (pack / "pack.yaml").is_file():
        pytest.skip("set ATTUNE_PUBLIC_PACKS to a folder holding attune-packs/python_example")
    return pack


def test_python_example_timeline_demo_runs_unchanged(python_example, tmp_path, airflow_home):
    before = {p: p.stat().st_mtime_ns for p in python_example.rglob("*") if p.is_file()}
    envs = airflow_home / "attune-runtime-envs"  # shared with the session: built once
    result = run_cli(
        "run", str(python_example), "--ref", "python_example.timeline_demo",
        "-p", "item_count=3", "-p", "build_duration=0.2", "-p", "lint_duration=0.2",
        "-p", "scan_duration=0.2", "-p", "item_duration=0.1", "--no-progress",
        home=tmp_path / "home",
        extra_env={"AIRFLOW__ATTUNE__PACK_ENV_FOLDER": str(envs)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    output = json.loads(result.stdout)
    assert output["status"] == "success" and output["items_processed"] == 3 and output["succeeded"] is True
    # the SDK came from the pack's own environment (requirements.txt), not from the provider's
    sdk = list((envs / "python_example").glob("python-*/lib/python*/site-packages/attune/__init__.py"))
    assert sdk, list((envs / "python_example").glob("*"))
    assert {p: p.stat().st_mtime_ns for p in python_example.rglob("*") if p.is_file()} == before  # unchanged


HELLO_WORKFLOW = """\
ref: sdkcheck.hello
tasks:
  - name: hello
    action: python_example.hello
    input: {name: Airflow}
    next:
      - do: [node_hello]
  - name: node_hello
    action: nodejs_example.hello
output_map:
  message: "{{ task.hello.message }}"
  node: "{{ task.node_hello.data.result.message }}"
"""


def test_python_and_nodejs_example_hello_actions(python_example, tmp_path, airflow_home):
    """python_example.hello (the SDK) and, when the folder holds it, attune-packs/nodejs_example's
    hello (node_modules from its package.json: node-fetch, amqplib)."""
    text = HELLO_WORKFLOW
    if not (python_example.parent / "nodejs_example" / "package.json").is_file():
        text = text.replace("    next:\n      - do: [node_hello]\n", "").split("  - name: node_hello")[0]
        text += 'output_map:\n  message: "{{ task.hello.message }}"\n'
    workflow = tmp_path / "hello.yaml"
    workflow.write_text(text)
    result = run_cli(
        "run", str(workflow), "--no-progress",
        home=tmp_path / "home",
        extra_env={
            "AIRFLOW__ATTUNE__PACKS_FOLDER": str(python_example.parent),
            "AIRFLOW__ATTUNE__PACK_ENV_FOLDER": str(airflow_home / "attune-runtime-envs"),
        },
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    output = json.loads(result.stdout)
    assert output["message"] == "Hello, Airflow"
    if "node_hello" in text:
        assert output["node"] == "Hello, Node.js"
        assert list((airflow_home / "attune-runtime-envs" / "nodejs_example").glob("node-*/node_modules/amqplib"))
