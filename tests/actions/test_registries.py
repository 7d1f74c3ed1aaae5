"""One registry factory: the compiler, the DAG loader and the CLI search the same folders."""

from __future__ import annotations

from pathlib import Path

from attune_provider.actions.registries import registry_folders, registry_for_workflow
from attune_provider.cli.dags import action_registry
from attune_provider.compiler.build import _registry_for
from attune_provider.dag_loading.build import make_registry
from attune_provider.dag_loading.units import SourceUnit, load_unit


def _pack(root: Path, ref: str, workflow: str | None = None) -> Path:
    pack = root / ref
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text(f'ref: {ref}\nversion: "1.0.0"\n')
    (pack / "actions" / "go.yaml").write_text("runner_type: shell\nentry_point: go.sh\n")
    (pack / "actions" / "go.sh").write_text("echo go\n")
    if workflow:
        (pack / "workflows").mkdir()
        (pack / "workflows" / "flow.yaml").write_text(workflow)
    return pack


def test_every_builder_finds_sibling_workflows_folder_and_packs_folder_actions(tmp_path, monkeypatch):
    workflows, packs = tmp_path / "workflows", tmp_path / "packs"
    calls = "".join(f"  - name: t_{ref}\n    action: {ref}.go\n" for ref in ("sib", "wf", "extra"))
    mine = _pack(tmp_path / "siblings", "mine", 'version: "1.0.0"\ntasks:\n' + calls)
    _pack(tmp_path / "siblings", "sib")
    _pack(workflows, "wf")
    _pack(packs, "extra")
    monkeypatch.setenv("AIRFLOW__ATTUNE__WORKFLOWS_FOLDER", str(workflows))
    monkeypatch.setenv("AIRFLOW__ATTUNE__PACKS_FOLDER", str(packs))
    loaded = load_unit(SourceUnit("pack", mine, mine.parent))
    assert loaded.problems == [] and len(loaded.workflows) == 1
    spec = loaded.workflows[0]
    assert registry_folders([mine.parent]) == [mine.parent, workflows, packs]
    for registry in (
        _registry_for(spec),  # compiler
        action_registry(spec),  # CLI
        make_registry([loaded], [mine.parent]),  # DAG processor
    ):
        for ref in ("mine.go", "sib.go", "wf.go", "extra.go"):
            assert registry.resolve(ref).ref == ref
    assert _registry_for(spec) is registry_for_workflow(spec) is action_registry(spec)
