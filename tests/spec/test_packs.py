"""Packs, action metadata and folder loading (reference 1.1, 1.2, 1.3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from attune_provider.spec import LoadError, load_action_file, load_pack, load_path, load_workflow_file

PACK_YAML = """
ref: demo
label: Demo
version: "1.2.0"
conf_schema:
  base_url: {type: string, default: "http://x"}
config:
  base_url: http://127.0.0.1
author: me
"""
ACTION = """
ref: demo.deploy
label: Deploy (action)
description: from the action file
workflow_file: workflows/deploy.workflow.yaml
parameters:
  service: {type: string, required: true}
output:
  status: {type: string}
tags: [from-action]
"""
GRAPH = """
ref: ignored.ref
label: graph label
version: "1.0"
tags: [from-graph]
tasks:
  - name: start
    action: core.echo
    input:
      message: "{{ parameters.service }}"
output_map:
  status: done
"""
SHELL_ACTION = """
ref: demo.hello
runner_type: shell
entry_point: hello.sh
parameter_delivery: file
parameter_format: yaml
output_format: jsonl
timeout_seconds: 30
parameters:
  name: {type: string, default: world}
"""


@pytest.fixture
def pack(write):
    write(PACK_YAML, "demo/pack.yaml")
    write(ACTION, "demo/actions/deploy.yaml")
    write(GRAPH, "demo/actions/workflows/deploy.workflow.yaml")
    write(SHELL_ACTION, "demo/actions/hello.yaml")
    write("#!/bin/sh\necho hello\n", "demo/actions/hello.sh")
    write("tasks:\n  - name: only\n    action: core.noop\n", "demo/workflows/legacy_flow.yaml")
    return write("", "demo/README.md").parent


def test_pack_loads_metadata_actions_and_workflows(pack):
    loaded = load_pack(pack)
    assert loaded.errors == []
    assert loaded.pack.ref == "demo" and loaded.pack.version == "1.2.0"
    assert loaded.pack.conf_schema["base_url"].default == "http://x"
    assert dict(loaded.pack.config) == {"base_url": "http://127.0.0.1"}
    assert sorted(loaded.pack.actions) == ["demo.deploy", "demo.hello"]
    assert sorted(loaded.workflows) == ["demo.deploy", "demo.legacy_flow"]


def test_action_file_metadata_wins_over_graph(pack):
    wf = load_pack(pack).workflows["demo.deploy"]
    assert wf.ref == "demo.deploy"
    assert wf.label == "Deploy (action)" and wf.description == "from the action file"
    assert list(wf.parameters) == ["service"] and wf.parameters["service"].required
    assert dict(wf.output) == {"status": {"type": "string"}}
    assert wf.tags == ("from-action",)
    assert wf.version == "1.0"
    assert wf.source_file.name == "deploy.workflow.yaml" and wf.action_file.name == "deploy.yaml"
    assert wf.pack is not None and wf.pack.ref == "demo"


def test_content_hash_covers_graph_and_action_file(pack):
    before = load_pack(pack).workflows["demo.deploy"].content_hash
    action = pack / "actions" / "deploy.yaml"
    action.write_text(action.read_text().replace("from the action file", "changed"))
    assert load_pack(pack).workflows["demo.deploy"].content_hash != before


def test_graph_fields_used_when_action_file_lacks_them(write):
    write("ref: p.w\nworkflow_file: workflows/w.yaml\n", "p/actions/w.yaml")
    write(GRAPH, "p/actions/workflows/w.yaml")
    wf = load_pack(write("ref: p\n", "p/pack.yaml").parent).workflows["p.w"]
    assert wf.label == "graph label" and wf.tags == ("from-graph",)


def test_shell_action_metadata(pack):
    action = load_action_file(pack / "actions" / "hello.yaml", pack_ref="demo")
    assert (action.ref, action.name, action.pack_ref) == ("demo.hello", "hello", "demo")
    assert (action.runner_type, action.entry_point) == ("shell", "hello.sh")
    assert (action.parameter_delivery, action.parameter_format, action.output_format) == (
        "file",
        "yaml",
        "jsonl",
    )
    assert action.timeout_seconds == 30 and action.parameters["name"].default == "world"
    assert action.pack_path == pack and action.workflow_file is None


def test_action_ref_defaults_to_pack_and_file_name(write):
    action = load_action_file(
        write("runner_type: python\nentry_point: x.py\n", "p/actions/do_it.yaml"), pack_ref="p"
    )
    assert (action.ref, action.name) == ("p.do_it", "do_it")
    assert action.parameter_delivery == "stdin" and action.output_format == "text"


def test_bad_action_fields(write):
    path = write(
        "ref: p.x\nparameter_format: toml\noutput_format: xml\ntimeout_seconds: -1\nenabled: maybe\nrunner: shell\n",
        "a.yaml",
    )
    with pytest.raises(LoadError) as info:
        load_action_file(path)
    assert [e.location.line for e in info.value.errors] == [5, 2, 3, 4]
    assert "unknown parameter_format 'toml'" in str(info.value)
    assert any("unknown action key 'runner'" in w.message for w in info.value.warnings)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("../../etc/wf.yaml", "must not contain '..'"),
        ("workflows/../../x.yaml", "must not contain '..'"),
        ("/abs/wf.yaml", "must be relative to actions/, not absolute"),
        ("other/wf.yaml", "must point inside actions/workflows/"),
        ("wf.yaml", "must point inside actions/workflows/"),
    ],
)
def test_workflow_file_must_stay_inside_actions_workflows(write, value, message):
    path = write(f"ref: p.x\nworkflow_file: {value}\n", "p/actions/x.yaml")
    with pytest.raises(LoadError) as info:
        load_action_file(path)
    (error,) = info.value.errors
    assert error.location.line == 2 and message in error.message


def test_workflow_file_symlink_escaping_the_pack_is_rejected(write, tmp_path):
    outside = write(GRAPH, "outside/evil.yaml")
    write("ref: p.x\nworkflow_file: workflows/evil.yaml\n", "p/actions/x.yaml")
    (tmp_path / "p/actions/workflows").mkdir()
    os.symlink(outside, tmp_path / "p/actions/workflows/evil.yaml")
    loaded = load_pack(tmp_path / "p")
    assert loaded.workflows == {}
    assert "resolves outside actions/workflows/" in str(loaded.errors[0])


def test_missing_workflow_file(write, tmp_path):
    write("ref: p.x\nworkflow_file: workflows/nope.yaml\n", "p/actions/x.yaml")
    loaded = load_pack(tmp_path / "p")
    assert "workflow file 'workflows/nope.yaml' not found" in str(loaded.errors[0])
    assert loaded.errors[0].location.line == 2


def test_one_bad_workflow_does_not_hide_the_others(pack, write):
    write("ref: demo.broken\nworkflow_file: workflows/broken.yaml\n", "demo/actions/broken.yaml")
    write("tasks:\n  - name: a\n    next:\n      - do: [ghost]\n", "demo/actions/workflows/broken.yaml")
    write("version: 1.0\ntasks: [{name: a}]\n", "demo/workflows/bad_version.yaml")
    loaded = load_pack(pack)
    assert sorted(loaded.workflows) == ["demo.deploy", "demo.legacy_flow"]
    assert len(loaded.errors) == 2
    assert {os.path.basename(e.location.file) for e in loaded.errors} == {"broken.yaml", "bad_version.yaml"}


def test_pack_without_pack_yaml_uses_folder_name(write, tmp_path):
    write(ACTION.replace("demo.", "docs."), "docs/actions/deploy.yaml")
    write(GRAPH, "docs/actions/workflows/deploy.workflow.yaml")
    loaded = load_pack(tmp_path / "docs")
    assert loaded.pack.ref == "docs" and list(loaded.workflows) == ["docs.deploy"]
    assert [w.code for w in loaded.warnings] == ["no-pack-yaml"]


def test_broken_pack_yaml_is_reported_and_actions_still_load(pack):
    (pack / "pack.yaml").write_text("ref: demo\nref: again\n")
    loaded = load_pack(pack)
    assert "duplicate key 'ref'" in str(loaded.errors[0])
    assert "demo.deploy" in loaded.workflows


def test_load_workflow_file_on_an_action_file_follows_workflow_file(pack):
    wf = load_workflow_file(pack / "actions" / "deploy.yaml")
    assert wf.ref == "demo.deploy" and wf.task_names == ("start",)


def test_load_path_on_a_folder_of_packs_and_standalone_files(pack, write, tmp_path):
    write("ref: top.level\ntasks:\n  - name: a\n", "top.yaml")
    write("tasks: {a: {}}\n", "nested/bad.yaml")
    write("tasks:\n  - name: z\n", "nested/fine.yml")
    write("tasks: [}\n", ".hidden/ignored.yaml")
    result = load_path(tmp_path)
    assert sorted(result.workflows) == ["demo.deploy", "demo.legacy_flow", "fine", "top.level"]
    assert sorted(result.packs) == ["demo"]
    assert len(result.errors) == 1 and result.errors[0].location.file.endswith("bad.yaml")
    assert not result.ok


def test_load_path_on_a_pack_and_on_a_file(pack):
    assert sorted(load_path(pack).workflows) == ["demo.deploy", "demo.legacy_flow"]
    # a file inside a pack is loaded in its pack: same ref as the DAG processor gives it
    single = load_path(pack / "workflows" / "legacy_flow.yaml")
    assert list(single.workflows) == ["demo.legacy_flow"] and single.ok
    assert list(single.packs) == ["demo"]


def test_load_path_reports_duplicate_refs_and_keeps_the_first(write, tmp_path):
    write("ref: same\ntasks:\n  - name: a\n", "a.yaml")
    write("ref: same\ntasks:\n  - name: b\n", "b.yaml")
    result = load_path(tmp_path)
    assert result.workflows["same"].task_names == ("a",)
    assert "workflow ref 'same' is already defined by" in str(result.errors[0])


def test_load_path_missing(tmp_path):
    assert "no such file or folder" in str(load_path(tmp_path / "nope").errors[0])


def test_graph_file_no_action_links_is_reported(pack, write):
    write(GRAPH, "demo/actions/workflows/orphan.workflow.yaml")
    loaded = load_pack(pack)
    assert sorted(loaded.workflows) == ["demo.deploy", "demo.legacy_flow"]
    (warning,) = [w for w in loaded.warnings if w.code == "unlinked-graph"]
    assert warning.location.file.endswith("orphan.workflow.yaml")


def test_unknown_pack_and_action_keys_warn_with_location(write, tmp_path):
    write("ref: p\nlable: typo\n", "p/pack.yaml")
    write("ref: other.x\nrunner_typ: shell\nentry_point: x.sh\n", "p/actions/x.yaml")
    write("echo x\n", "p/actions/x.sh")
    loaded = load_pack(tmp_path / "p")
    assert loaded.errors == []
    messages = sorted((Path(w.location.file).name, w.location.line, w.message) for w in loaded.warnings)
    assert messages == [
        ("pack.yaml", 2, "unknown pack key 'lable' is ignored; did you mean 'label'?"),
        ("x.yaml", 1, "action 'other.x' has no runner_type; attune runs it with the shell runner"),
        ("x.yaml", 1, "action ref 'other.x' is not in pack 'p' (expected 'p.<name>')"),
        ("x.yaml", 2, "unknown action key 'runner_typ' is ignored; did you mean 'runner_type'?"),
    ]
