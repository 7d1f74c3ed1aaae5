"""Issue 21 item 1: ``attune-airflow packs install PATH...`` builds pack environments ahead of
time (Docker images, workers without a package index) with the identity tasks use."""

from __future__ import annotations

import sys

from attune_provider.actions.pack_envs import ensure_environment, python_identity
from tests.actions.test_pack_envs import _write_pack


def test_packs_install_builds_ahead_and_tasks_reuse_it(tmp_path, capsys):
    from attune_provider.cli.main import main

    pack = _write_pack(tmp_path / "packs", "early", "# nothing\n", "import json; print(json.dumps({'ok': 1}))\n")
    root = tmp_path / "envs"
    assert main(["packs", "install", str(pack.parent), "--env-folder", str(root)]) == 0
    out = capsys.readouterr().out
    assert "early: python environment built in" in out, out
    assert main(["packs", "install", str(pack), "--env-folder", str(root)]) == 0
    assert "early: python environment already built" in capsys.readouterr().out
    # a task finds it ready (built=False): the same identity
    identity = python_identity("early", pack, sys.executable)
    assert identity is not None and ensure_environment(identity, pack, root=root).built is False


def test_packs_install_reports_a_failure_with_exit_1(tmp_path, capsys):
    from attune_provider.cli.main import main

    pack = _write_pack(tmp_path / "packs", "badreq", "this is not a requirement !!\n", "print('{}')\n")
    assert main(["packs", "install", str(pack), "--env-folder", str(tmp_path / "envs")]) == 1
    err = capsys.readouterr().err
    assert "badreq: error: pack 'badreq'" in err and "this is not a requirement" in err, err
