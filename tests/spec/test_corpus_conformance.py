"""Every file of the attune corpus loads (or is rejected) as its README states.

The corpus lives outside the project (``../shared/attune-corpus``); the ``corpus`` fixture
skips these tests when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attune_provider.spec import LoadError, load_action_file, load_pack, load_path, load_workflow_file
from tests.conftest import CORPUS
from tests.spec.corpus_helpers import without_missing_scripts

GRAPHS = sorted(p.name for p in (CORPUS / "graphs").glob("*.yaml")) if CORPUS.is_dir() else []
VALID = [name for name in GRAPHS if not name.endswith("_INVALID.yaml")]

# file -> (line, words the error must contain)
INVALID = {
    "map_style_tasks_INVALID.yaml": (2, "'tasks' must be a list of tasks, got a mapping"),
    "rejects_inquiry_prerequisite_in_cycle_INVALID.yaml": (
        6,
        "task 'first' waits for an inquiry (wait_for) but sits on a cycle",
    ),
    "test_invalid_task_reference_in_next_INVALID.yaml": (
        10,
        "task 'task1' transitions to unknown task 'nonexistent_task'",
    ),
}


def test_the_expectation_table_covers_every_invalid_file(corpus):
    assert sorted(INVALID) == sorted(name for name in GRAPHS if name.endswith("_INVALID.yaml"))


@pytest.mark.parametrize("name", VALID)
def test_valid_graph_loads(corpus, name):
    wf = load_workflow_file(corpus / "graphs" / name)
    assert wf.tasks, name
    assert wf.source_file == corpus / "graphs" / name
    for task in wf.tasks:  # every transition target is a task (reference 4.4)
        assert set(task.targets) <= set(wf.task_names)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_graph_is_rejected_with_file_line_and_problem(corpus, name):
    path = corpus / "graphs" / name
    with pytest.raises(LoadError) as info:
        load_workflow_file(path)
    line, words = INVALID[name]
    (error,) = info.value.errors
    assert error.location.file == str(path)
    assert error.location.line == line
    assert words in error.message
    assert error.hint


def test_vars_list_is_accepted_as_documented_leniency(corpus):
    wf = load_workflow_file(corpus / "graphs" / "incident_response_vars_list.workflow.yaml")
    assert dict(wf.vars) == {"notified": False}
    assert [w.code for w in wf.warnings] == ["vars-list"]


@pytest.mark.parametrize(
    ("name", "ref", "back_edges"),
    [
        ("test_cycle_support.yaml", "test.cycle", (("check", "check"),)),
        ("test_cycles_now_allowed_legacy.yaml", "test.circular", (("task2", "task1"),)),
    ],
)
def test_cycles_load_with_dropped_back_edges(corpus, name, ref, back_edges):
    wf = load_workflow_file(corpus / "graphs" / name)
    assert wf.ref == ref and wf.back_edges == back_edges
    # attune graph.rs: every task has an inbound edge, so there is no entry point and nothing
    # runs; the loader says so for each task
    assert wf.entry_tasks() == ()
    assert [w.code for w in wf.warnings] == ["back-edge", "unreachable", "unreachable"]


def test_iterate_cache_graph_records_iterate_cache(corpus):
    wf = load_workflow_file(corpus / "graphs" / "test_iterate_cache_parses_explicit_and_default_fields.yaml")
    explicit, default = wf.tasks
    assert explicit.iterate_cache["owner_ref"] == "{{ parameters.pack_ref }}"
    assert explicit.iterate_cache["page_size"] == 250 and explicit.batch_size == 25
    assert dict(default.iterate_cache) == {"namespace": "inventory"}


def test_legacy_files_are_normalised(corpus):
    graphs = corpus / "graphs"
    wf = load_workflow_file(graphs / "test_legacy_all_transition_types.yaml")
    assert [(t.when, t.do) for t in wf.task("task1").next] == [
        ("{{ succeeded() }}", ("task_s",)),
        ("{{ failed() }}", ("task_f",)),
        (None, ("task_c",)),
        ("{{ timed_out() }}", ("task_t",)),
    ]
    wf = load_workflow_file(graphs / "test_legacy_publish_attached_to_succeeded_transition.yaml")
    assert wf.task("task1").next[0].publish == (("result", "done"),)
    wf = load_workflow_file(graphs / "test_legacy_decision_branches.yaml")
    assert [t.do for t in wf.task("check").next] == [("success_task",), ("error_task",)]
    wf = load_workflow_file(graphs / "test_next_takes_precedence_over_legacy.yaml")
    assert [t.do for t in wf.task("task1").next] == [("task3",)]
    assert [w.code for w in wf.warnings] == ["legacy-ignored"]


def test_server_concerns_and_chart_meta(corpus):
    graphs = corpus / "graphs"
    wf = load_workflow_file(graphs / "test_chart_meta_roundtrip.yaml")
    assert wf.task("task1").next[0].label == "main path" and wf.warnings == ()
    wf = load_workflow_file(graphs / "test_task_graph_preserves_worker_placement_overrides.yaml")
    assert set(wf.task("gpu_task").extra) == {"worker_selector", "worker_tolerations", "worker_affinity"}
    wf = load_workflow_file(graphs / "test_task_permission_set_refs_parse_array_and_alias.yaml")
    assert wf.task("singular_ref").extra["permission_set_ref"] == "{{ parameters.permission_set }}"
    wf = load_workflow_file(graphs / "test_parallel_task_legacy.yaml")
    assert wf.task("parallel_checks").type == "parallel"
    assert [w.code for w in wf.warnings] == ["not-executed"]


def test_typed_publish_values_keep_their_types(corpus):
    wf = load_workflow_file(corpus / "graphs" / "test_typed_publish_values_in_transitions.yaml")
    assert dict(wf.task("validate").next[0].publish) == {
        "validation_passed": True, "count": 42, "ratio": 3.15, "label": "hello",
        "template_val": "{{ result().data }}", "nothing": None,
    }  # fmt: skip


def test_core_pack_action_metadata_loads(corpus):
    loaded = load_pack(corpus / "packs" / "core")
    # the corpus holds the metadata only: each missing script is a located error, nothing else is
    assert loaded.workflows == {}
    assert sorted(Path(e.location.file).name for e in loaded.errors) == [
        "build_pack_envs.yaml", "download_packs.yaml", "get_pack_dependencies.yaml", "register_packs.yaml",
    ]  # fmt: skip
    assert all("entry_point" in e.message and "not found" in e.message for e in loaded.errors)
    assert loaded.pack.ref == "core" and loaded.pack.version == "1.0.3"
    assert loaded.pack.conf_schema["max_action_timeout"].default == 300
    assert sorted(loaded.pack.actions) == [
        "core.build_pack_envs", "core.download_packs", "core.get_pack_dependencies", "core.register_packs",
    ]  # fmt: skip
    for action_file in sorted((corpus / "packs" / "core" / "actions").glob("*.yaml")):
        action = load_action_file(action_file, pack_ref="core")
        assert action.runner_type == "shell" and action.parameter_format == "dotenv"
        assert action.output_format == "json" and action.parameters
    register = loaded.pack.actions["core.register_packs"]
    assert register.parameters["api_token"].secret
    assert register.parameters["pack_paths"].required
    assert register.parameters["pack_paths"].schema["minItems"] == 1


def test_deployments_pack_yields_deploy_app(corpus):
    loaded = load_pack(corpus / "packs" / "deployments")
    assert without_missing_scripts(loaded.errors) == []
    wf = loaded.workflows["deployments.deploy_app"]
    assert wf.label == "Deploy App" and wf.version == "1.0.0"
    assert wf.parameters["environment"].enum == ("dev", "staging", "production")
    assert wf.task("check_approval").wait_for.inquiry == "{{ task.ask_for_approval.inquiry_id }}"
    assert wf.task("deploy_regions").concurrency == 2
    assert wf.entry_tasks() == ("validate",) and wf.back_edges == ()


def test_examples_pack_loads_with_iterate_cache(corpus):
    loaded = load_pack(corpus / "packs" / "examples")
    assert without_missing_scripts(loaded.errors) == []
    wf = loaded.workflows["examples.process_cached_users"]
    assert wf.task("process_users").iterate_cache["namespace"] == "users"


def test_test_pack_inquiry_workflow_has_wait_for(corpus):
    loaded = load_pack(corpus / "packs" / "test_pack")
    assert without_missing_scripts(loaded.errors) == []
    assert sorted(loaded.pack.actions) == ["test_pack.create_inquiry", "test_pack.inquiry_workflow"]
    wf = loaded.workflows["test_pack.inquiry_workflow"]
    guarded = wf.task("guarded_task")
    assert guarded.wait_for is not None
    assert guarded.wait_for.inquiry == "{{ task.request_inquiry.inquiry_id }}"


def test_whole_corpus_in_one_call(corpus: Path):
    result = load_path(corpus)
    assert sorted(error.location.file for error in without_missing_scripts(result.errors)) == sorted(
        str(corpus / "graphs" / name) for name in INVALID
    )
    assert len(result.workflows) == len(VALID) + 3
    assert sorted(result.packs) == ["core", "deployments", "examples", "test_pack"]
