"""Every real attune file of the corpus: loads and compiles (or fails as docs/reference.md says it must)."""

from __future__ import annotations

from pathlib import Path

import pytest

from attune_provider.actions.registry import ActionRegistry, UnknownActionError
from attune_provider.compiler import CompileError, compile_workflow
from attune_provider.spec.errors import LoadError
from attune_provider.spec.loader import load_pack, load_workflow_file
from tests.spec.corpus_helpers import without_missing_scripts


def doubles_for(spec, registry: ActionRegistry) -> ActionRegistry:
    """Register a test double for every action ref of ``spec`` nothing real resolves."""
    for task in spec.tasks:
        if task.action and task.type != "workflow":
            try:
                registry.resolve(task.action)
            except UnknownActionError:
                registry.register(task.action, lambda **params: {"params": params})
    return registry


def _graphs(corpus: Path) -> list[Path]:
    return sorted((corpus / "graphs").glob("*.yaml"))


def _registry() -> ActionRegistry:
    return ActionRegistry(packs_folders=[], entry_point_group=None, pack_entry_point_group=None)


def test_every_graph_compiles_or_fails_as_specified(corpus):
    compiled, iterated, invalid = [], [], []
    for path in _graphs(corpus):
        if path.stem.endswith("_INVALID"):
            with pytest.raises(LoadError) as info:
                load_workflow_file(path)
            assert all(
                error.location.file.endswith(path.name) and error.location.line > 0
                for error in info.value.errors
            )
            invalid.append(path.name)
            continue
        try:
            spec = load_workflow_file(path)
        except LoadError as exc:
            # the doc example whose vars is a list: a precise error is acceptable (corpus README)
            assert path.name == "incident_response_vars_list.workflow.yaml", str(exc)
            assert all(error.location.line > 0 for error in exc.errors)
            continue
        registry = doubles_for(spec, _registry())
        dag = compile_workflow(spec, registry=registry)
        if any(task.iterate_cache is not None for task in spec.tasks):
            cached = [t for t in spec.tasks if t.iterate_cache is not None]
            assert all(dag.attune_plan.tasks[t.name].mapped for t in cached)  # runs like with_items
            iterated.append(path.name)
        assert dag.dag_id == spec.ref
        leaves = [t.task_id for t in dag.tasks if not t.downstream_list]
        assert leaves == [dag.attune_plan.end_id]
        for task in spec.tasks:
            assert dag.has_task(dag.attune_plan.tasks[task.name].run_id)
        compiled.append(path.name)
    assert len(invalid) == 3
    assert iterated == ["test_iterate_cache_parses_explicit_and_default_fields.yaml"]
    assert len(compiled) >= 20


def test_cycle_files_compile_with_back_edges_dropped(corpus):
    spec = load_workflow_file(corpus / "graphs" / "test_cycle_support.yaml")
    assert ("check", "check") in spec.back_edges
    dag = compile_workflow(spec, registry=doubles_for(spec, _registry()))
    assert dag.get_task("check.run").upstream_task_ids == set()


def test_packs_load_and_compile(corpus):
    deployments = load_pack(corpus / "packs" / "deployments")
    assert not without_missing_scripts(deployments.errors)
    spec = deployments.workflows["deployments.deploy_app"]
    dag = compile_workflow(spec, registry=doubles_for(spec, _registry()))
    assert dag.dag_id == "deployments.deploy_app"
    assert dag.description == "Deploy App"
    assert {"workflow", "deployment"} <= set(dag.tags)
    assert dag.get_task("check_approval.inquiry") is not None
    assert dag.params.get_param("environment").value == "dev"

    inquiry = load_pack(corpus / "packs" / "test_pack")
    assert not without_missing_scripts(inquiry.errors)
    spec = inquiry.workflows["test_pack.inquiry_workflow"]
    dag = compile_workflow(spec, registry=doubles_for(spec, _registry()))
    assert dag.has_task("guarded_task.inquiry")

    # attune's docs example docs/examples/cache-iteration-workflow.workflow.yaml (issue 21)
    examples = load_pack(corpus / "packs" / "examples")
    spec = examples.workflows["examples.process_cached_users"]
    dag = compile_workflow(spec, registry=doubles_for(spec, _registry()))
    process = dag.attune_plan.tasks["process_users"]
    assert process.mapped and process.has_gate and process.has_route
    assert dag.get_task(process.run_id).partial_kwargs["max_active_tis_per_dagrun"] == 4  # concurrency: 4


def test_unknown_action_in_a_pack_workflow_names_the_workflow_file(corpus):
    spec = load_pack(corpus / "packs" / "deployments").workflows["deployments.deploy_app"]
    with pytest.raises(CompileError) as info:
        compile_workflow(spec, registry=_registry())
    text = str(info.value)
    assert "deploy_app.workflow.yaml" in text
    assert "task 'validate'" in text and "deployments.validate_release" in text
    assert "searched" in text
