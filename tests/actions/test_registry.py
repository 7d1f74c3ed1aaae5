"""ActionRegistry: ref -> Action across packs, built-ins, callables, operators (reference 9)."""

from __future__ import annotations

import shutil

import pytest

from attune_provider.actions import (
    Action,
    ActionRegistry,
    ActionResult,
    PackAction,
    UnknownActionError,
    WorkflowAction,
)
from attune_provider.spec.loader import load_pack
from tests.actions.conftest import PACKS, TEST_PACK


def test_pack_actions_resolve_from_a_folder_of_packs(registry):
    action = registry.resolve("acttest.greet")
    assert isinstance(action, PackAction) and action.kind == "pack"
    assert action.spec.runner_type == "shell" and action.spec.parameter_format == "dotenv"
    assert set(action.parameters) == {"name", "times"}
    assert registry.resolve("acttest.greet") is action  # cached
    assert registry.pack_refs() == ("acttest",)


def test_a_folder_that_is_itself_a_pack(tmp_path):
    assert (
        ActionRegistry(packs_folders=[TEST_PACK], pack_entry_point_group=None).resolve("acttest.fail").kind
        == "pack"
    )


def test_nested_workflow_action_has_kind_workflow(registry):
    action = registry.resolve("acttest.nested")
    assert isinstance(action, WorkflowAction)
    assert action.kind == "workflow" and action.ref == "acttest.nested"
    assert action.workflow_path == TEST_PACK.resolve() / "actions" / "workflows" / "nested.workflow.yaml"
    assert action.workflow_path.is_file()
    result = action.run({})
    assert result.outcome == "failed" and "runs as a child DAG" in result.error


def test_builtins_callables_and_operators_resolve_by_kind(registry):
    assert registry.resolve("core.echo").kind == "core"
    assert registry.resolve("tests.actions.sample_callables:add").kind == "python"
    assert (
        registry.resolve("airflow:airflow.providers.standard.operators.bash.BashOperator").kind == "operator"
    )


def test_register_a_test_double_wins_over_everything():
    registry = ActionRegistry(packs_folders=[PACKS], pack_entry_point_group=None)
    calls = []

    def fake_echo(message: str = "") -> dict:
        calls.append(message)
        return {"faked": message}

    registry.register("core.echo", fake_echo)
    assert registry.resolve("core.echo").run({"message": "m"}).data == {"faked": "m"}
    assert calls == ["m"]

    class Double(Action):
        kind = "pack"
        ref = "acttest.greet"

        def _execute(self, values, run):
            return ActionResult.success({"double": True})

    registry.resolve("acttest.greet")  # cached real action is replaced by register()
    registry.register("acttest.greet", Double())
    assert registry.resolve("acttest.greet").run({}).data == {"double": True}
    with pytest.raises(TypeError):
        registry.register("x.y", 42)  # type: ignore[arg-type]


def test_unknown_ref_names_the_ref_and_the_places_searched(registry):
    with pytest.raises(UnknownActionError) as info:
        registry.resolve("acttest.nope")
    error = info.value
    text = str(error)
    assert error.ref == "acttest.nope"
    assert "unknown action 'acttest.nope': pack 'acttest' has no action 'nope'" in text
    assert "built-in core actions (core.echo" in text
    assert f"pack folders [{PACKS}]" in text
    assert "packs found: acttest" in text
    assert "entry points 'attune_provider.actions'" in text
    located = error.at("wf.yaml:12:5: task 'fetch'")
    assert str(located).startswith("wf.yaml:12:5: task 'fetch': unknown action 'acttest.nope'")
    with pytest.raises(UnknownActionError, match="no pack 'slack' found"):
        registry.resolve("slack.post_message")
    with pytest.raises(UnknownActionError, match=r"expected '<pack>\.<action>'"):
        registry.resolve("justaname")
    with pytest.raises(UnknownActionError, match="non-empty string"):
        registry.resolve("  ")
    assert "acttest.greet" in registry and "acttest.nope" not in registry


def test_explicit_packs_as_objects_or_paths_and_duplicates(tmp_path):
    loaded = load_pack(TEST_PACK)
    by_object = ActionRegistry(
        packs_folders=[], packs=[loaded.pack], entry_point_group=None, pack_entry_point_group=None
    )
    assert by_object.resolve("acttest.report").kind == "pack"
    copy = tmp_path / "copy"
    shutil.copytree(TEST_PACK, copy)
    both = ActionRegistry(packs_folders=[tmp_path], packs=[TEST_PACK], pack_entry_point_group=None)
    action = both.resolve("acttest.report")
    assert action.pack_root == TEST_PACK.resolve()  # the explicit pack wins
    assert any("pack 'acttest'" in w and "ignored" in w for w in both.warnings)


def test_packs_folders_default_to_the_attune_setting(monkeypatch):
    monkeypatch.setenv("AIRFLOW__ATTUNE__PACKS_FOLDER", str(PACKS))
    registry = ActionRegistry(pack_entry_point_group=None)
    assert registry.packs_folders == (PACKS,)
    assert registry.resolve("acttest.greet").kind == "pack"


def test_broken_action_file_is_reported_in_the_unknown_error(tmp_path):
    pack = tmp_path / "brk"
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text("ref: brk\n")
    (pack / "actions" / "bad.yaml").write_text("ref: brk.bad\nrunner_type: shell\nparameters: [1, 2]\n")
    registry = ActionRegistry(packs_folders=[tmp_path], pack_entry_point_group=None)
    with pytest.raises(UnknownActionError) as info:
        registry.resolve("brk.bad")
    text = str(info.value)
    assert "pack 'brk' has no action 'bad'" in text
    assert "pack load errors:" in text and "bad.yaml" in text


def test_every_corpus_core_pack_action_loads_through_the_registry(corpus):
    core_pack = corpus / "packs" / "core"
    registry = ActionRegistry(packs_folders=[core_pack], entry_point_group=None, pack_entry_point_group=None)
    files = sorted((core_pack / "actions").glob("*.yaml"))
    assert len(files) == 4
    for file in files:
        ref = f"core.{file.stem}"
        action = registry.resolve(ref)
        assert isinstance(action, PackAction), ref
        spec = action.spec
        assert spec.runner_type == "shell" and spec.entry_point == f"{file.stem}.sh"
        assert spec.parameter_delivery == "stdin" and spec.parameter_format == "dotenv"
        assert spec.output_format == "json"
        assert action.parameters, ref
    register = registry.resolve("core.register_packs")
    assert register.parameters["api_token"].secret
    assert register.parameters["pack_paths"].required
    # metadata only: the scripts are not in the corpus, so running fails clearly, before any process
    result = register.run({"pack_paths": ["/tmp/x"]})
    assert result.outcome == "failed" and "entry_point script not found" in result.error
    missing = register.run({})
    assert "missing required parameter 'pack_paths'" in missing.error
    # the built-in core actions still win for their own names
    assert registry.resolve("core.echo").kind == "core"


def test_corpus_test_pack_workflow_action(corpus):
    registry = ActionRegistry(
        packs_folders=[corpus / "packs"], entry_point_group=None, pack_entry_point_group=None
    )
    assert registry.resolve("test_pack.inquiry_workflow").kind == "workflow"
    create = registry.resolve("test_pack.create_inquiry")
    assert create.kind == "pack" and create.spec.runner_type == "python"


def test_packs_are_found_below_nested_folders_and_missing_folders_are_warned(tmp_path):
    nested = tmp_path / "team" / "ops"
    nested.mkdir(parents=True)
    shutil.copytree(TEST_PACK, nested / "acttest")
    shutil.copytree(TEST_PACK, tmp_path / ".hidden" / "other")  # hidden folders are skipped
    registry = ActionRegistry(packs_folders=[tmp_path, tmp_path / "absent"], pack_entry_point_group=None)
    assert registry.resolve("acttest.greet").pack_root == (nested / "acttest").resolve()
    assert registry.pack_refs() == ("acttest",)
    assert f"pack folder {tmp_path / 'absent'} does not exist" in registry.warnings


def test_unknown_action_error_survives_pickling(registry):
    import pickle

    with pytest.raises(UnknownActionError) as info:
        registry.resolve("acttest.nope")
    copy = pickle.loads(pickle.dumps(info.value.at("wf.yaml:3:5")))
    assert str(copy) == str(info.value.at("wf.yaml:3:5"))
    assert copy.ref == "acttest.nope" and copy.searched == info.value.searched
