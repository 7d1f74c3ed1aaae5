"""The public attune packs (attune-packs organisation, attune's own packs) load without a silent loss.

The packs are never copied into the project: set ``ATTUNE_PUBLIC_PACKS`` to a folder holding
them (one sub-folder per pack, e.g. extracted from ``github.com/attune-packs/<name>``); the test
is skipped without it. ``scripts/pack_conformance.py`` prints the per-pack table of
docs/conformance.md from the same folder.

For every pack: loading never raises and every problem names an existing file; every trigger
and sensor definition gets exactly one located ``not-translated`` warning; every rule either
becomes a scheduled workflow or is a located error or warning of its own file; every loaded
workflow compiles or its failure is located.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from attune_provider.spec.loader import is_pack_folder, load_pack

ROOT = os.environ.get("ATTUNE_PUBLIC_PACKS")


def _packs() -> list[Path]:
    if not ROOT or not Path(ROOT).is_dir():
        return []
    return sorted(p for p in Path(ROOT).iterdir() if p.is_dir() and is_pack_folder(p))


pytestmark = pytest.mark.skipif(not _packs(), reason="set ATTUNE_PUBLIC_PACKS to a folder of attune packs")


def _yaml(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []


@pytest.mark.parametrize("pack", _packs(), ids=lambda p: p.name)
def test_public_pack_loses_nothing_silently(pack: Path) -> None:
    from attune_provider.compiler import CompileError, compile_workflow

    loaded = load_pack(pack)
    for problem in [*loaded.errors, *loaded.warnings]:
        assert Path(problem.location.file).exists(), problem
    for folder, code in (("triggers", "trigger-not-translated"), ("sensors", "sensor-not-translated")):
        for file in _yaml(pack / folder):
            found = [w for w in loaded.warnings if w.code == code and Path(w.location.file) == file]
            assert len(found) == 1, (file, found)
    scheduled = {w.rule_file for w in loaded.workflows.values() if w.rule_file is not None}
    for rule in _yaml(pack / "rules"):
        reported = [p for p in [*loaded.errors, *loaded.warnings] if Path(p.location.file) == rule]
        assert rule in scheduled or reported, f"{rule} vanished without a word"
    for workflow in loaded.workflows.values():
        try:
            compile_workflow(workflow)
        except CompileError as exc:
            assert exc.location is not None and Path(exc.location.file).exists(), exc
