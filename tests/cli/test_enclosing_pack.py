"""Issue 10 item 9: a file inside a pack finds its own pack (nearest pack.yaml upwards).

``run``, ``render``, ``graph`` and ``validate`` are given the action file, the graph file or a
standalone workflow in ``workflows/``; each must load the pack so the pack's own actions resolve.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import run_cli, write


def make_pack(root: Path) -> Path:
    pack = root / "shipit"
    write(pack / "pack.yaml", 'ref: shipit\nlabel: Ship it\nversion: "1.0.0"\n')
    write(
        pack / "actions" / "say.yaml",
        """
        name: say
        runner_type: shell
        entry_point: say.sh
        parameters:
          word: {type: string, required: true}
        """,
    )
    (pack / "actions" / "say.sh").write_text('#!/bin/sh\necho "said $(cat)"\n')
    (pack / "actions" / "say.sh").chmod(0o755)
    write(
        pack / "actions" / "deploy.yaml",
        """
        name: deploy
        runner_type: workflow
        entry_point: workflows/deploy.yaml
        workflow_file: workflows/deploy.yaml
        parameters:
          target: {type: string, default: prod}
        """,
    )
    write(
        pack / "actions" / "workflows" / "deploy.yaml",
        """
        version: "1.0.0"
        tasks:
          - name: announce
            action: shipit.say
            input:
              word: "{{ parameters.target }}"
        output_map:
          said: "{{ task.announce.stdout }}"
        """,
    )
    write(
        pack / "workflows" / "standalone.yaml",
        """
        version: "1.0.0"
        tasks:
          - name: speak
            action: shipit.say
            input:
              word: hi
        """,
    )
    return pack


@pytest.mark.parametrize(
    ("relative", "ref"),
    [
        ("actions/deploy.yaml", "shipit.deploy"),
        ("actions/workflows/deploy.yaml", "shipit.deploy"),
        ("workflows/standalone.yaml", "shipit.standalone"),
    ],
)
def test_validate_and_graph_find_the_enclosing_pack(tmp_path: Path, relative: str, ref: str):
    pack = make_pack(tmp_path / "packs")
    home = tmp_path / "home"
    validated = run_cli("validate", str(pack / relative), home=home, cwd=tmp_path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "OK: 1 workflow(s), 0 error(s)" in validated.stdout
    graph = run_cli("graph", str(pack / relative), home=home, cwd=tmp_path)
    assert graph.returncode == 0, graph.stdout + graph.stderr
    assert "announce" in graph.stdout or "speak" in graph.stdout


def test_render_of_an_action_file_uses_its_pack(tmp_path: Path):
    pack = make_pack(tmp_path / "packs")
    result = run_cli("render", str(pack / "actions" / "deploy.yaml"), home=tmp_path / "home", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "shipit.deploy" in result.stdout and "announce" in result.stdout


def test_validate_of_a_plain_action_file_checks_it_in_its_pack(tmp_path: Path):
    pack = make_pack(tmp_path / "packs")
    result = run_cli("validate", str(pack / "actions" / "say.yaml"), "--no-compile", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout


@pytest.mark.airflow
def test_run_of_an_action_file_inside_a_pack(tmp_path: Path, cli_home: Path):
    pack = make_pack(tmp_path / "packs")
    result = run_cli(
        "run", str(pack / "actions" / "deploy.yaml"), "-p", "target=staging", "--no-progress",
        home=cli_home, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    report = result.json()
    assert report["succeeded"] is True
    assert report["said"].startswith("said") and "staging" in report["said"]


def test_errors_of_the_linked_graph_are_reported_for_the_action_file(tmp_path: Path):
    pack = make_pack(tmp_path / "packs")
    graph = pack / "actions" / "workflows" / "deploy.yaml"
    graph.write_text("version: '1.0.0'\ntasks:\n  - name: announce\n    action: shipit.say\n    next: 5\n")
    for target in (pack / "actions" / "deploy.yaml", graph):
        result = run_cli("validate", str(target), "--no-compile", cwd=tmp_path)
        assert result.returncode == 1, result.stdout
        assert f"{graph}:5:" in result.stdout


def test_a_plain_action_file_is_not_a_workflow_and_says_so(tmp_path: Path):
    pack = make_pack(tmp_path / "packs")
    result = run_cli("graph", str(pack / "actions" / "say.yaml"), cwd=tmp_path)
    assert result.returncode != 0
    assert "defines an action, not a workflow" in result.stderr and "shipit" in result.stderr
