"""reference 2 and 3 at compile time: DAG identity, docs, params, the airflow: block, task layout,
edge labels and compile errors (no DAG run needed)."""

from __future__ import annotations

import copy
import textwrap
from datetime import timedelta

import pytest

from attune_provider.actions.registry import ActionRegistry
from attune_provider.compiler import CompileError, compile_workflow
from attune_provider.spec.loader import load_workflow_file

WORKFLOW = """
ref: test.compiled
label: Compiled workflow
description: Shows what the compiler builds
tags: [alpha]
parameters:
  name:
    type: string
    required: true
    description: Who to greet
  count:
    type: integer
    default: 2
    minimum: 1
    maximum: 5
  env:
    type: string
    enum: [dev, prod]
    default: dev
  token:
    type: string
    secret: true
airflow:
  max_active_runs: 2
  dagrun_timeout: {minutes: 30}
  owner: data-team
  queue: attune
  default_retries: 3
  tags: [beta]
tasks:
  - name: first
    action: core.echo
    input: {message: "hi {{ parameters.name }}"}
    next:
      - when: "{{ succeeded() }}"
        __chart_meta__: {label: main path}
        do: [fan]
      - when: "{{ failed() }}"
        do: [cleanup]
  - name: fan
    action: core.echo
    with_items: "{{ [1, 2] }}"
    retry: {count: 2, delay: 3, backoff: exponential, max_delay: 10}
    next:
      - do: [cleanup]
  - name: cleanup
    action: core.noop
    worker_selector: {queue: special}
"""


def _compile(tmp_path, text, registry=None, name="wf"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    spec = load_workflow_file(path)
    return compile_workflow(spec, registry=registry or ActionRegistry(packs_folders=[])), path


def test_dag_identity_docs_tags_and_airflow_block(tmp_path):
    dag, path = _compile(tmp_path, WORKFLOW)
    assert dag.dag_id == "test.compiled"
    assert dag.description == "Compiled workflow"
    assert str(path) in dag.doc_md
    assert (
        "| first | core.echo |" in dag.doc_md and "| fan | core.echo | {{ [1, 2] }} | cleanup |" in dag.doc_md
    )
    assert set(dag.tags) == {"alpha", "beta"}
    assert dag.schedule is None  # manual only without airflow.schedule
    assert dag.max_active_runs == 2
    assert dag.dagrun_timeout == timedelta(minutes=30)
    first = dag.get_task("first.run")
    assert first.owner == "data-team" and first.queue == "attune"
    assert first.retries == 3  # default_retries
    assert dag.get_task("cleanup.run").queue == "special"  # worker_selector.queue


SCHEDULED = """
ref: test.scheduled
parameters:
  day: {type: string, default: today}
airflow:
  schedule: "@daily"
  start_date: 2024-01-01
  catchup: true
tasks:
  - name: only
    action: core.echo
    input: {message: "{{ system.data_interval_start }}"}
"""


def test_schedule_block_and_required_parameter_conflict(tmp_path):
    dag, _ = _compile(tmp_path, SCHEDULED, name="scheduled")
    assert dag.schedule == "@daily"
    assert dag.start_date.year == 2024 and dag.catchup is True
    text = SCHEDULED.replace("day: {type: string, default: today}", "day: {type: string, required: true}")
    with pytest.raises(CompileError) as info:
        _compile(tmp_path, text, name="scheduled_required")
    assert "schedule" in str(info.value) and "'day'" in str(info.value)
    assert "scheduled_required.yaml" in str(info.value)


def test_params_carry_the_json_schema_so_the_trigger_form_validates(tmp_path):
    from airflow.sdk.exceptions import ParamValidationError

    dag, _ = _compile(tmp_path, WORKFLOW)
    params = dag.params
    assert set(params.keys()) == {"name", "count", "env", "token"}
    name = params.get_param("name")
    assert not name.has_value  # required, no default: the form requires it
    assert name.description == "Who to greet"
    assert params.get_param("count").schema["minimum"] == 1
    assert params.get_param("env").value == "dev"
    assert params.get_param("token").schema["format"] == "password"

    def validate(conf):
        merged = copy.deepcopy(params)
        merged.update(conf)
        return merged.validate()

    assert validate({"name": "x"})["count"] == 2
    assert validate({"name": "x", "count": None})["count"] is None  # null is filled at run start
    for bad in ({}, {"name": "x", "count": 9}, {"name": "x", "env": "qa"}, {"name": 5}):
        with pytest.raises(ParamValidationError):
            validate(bad)


def test_task_layout_single_end_leaf_labels_and_retries(tmp_path):
    dag, _ = _compile(tmp_path, WORKFLOW)
    assert sorted(dag.task_ids) == sorted(
        ["first.run", "fan.gate", "fan.run", "fan.route", "cleanup.run", "end"]
    )
    leaves = [t.task_id for t in dag.tasks if not t.downstream_list]
    assert leaves == ["end"]
    # Airflow records labels between task groups on the group's join node (what the UI draws)
    labels = {
        (up, down): info.get("label")
        for up, targets in dag.edge_info.items()
        for down, info in targets.items()
    }
    # every edge with a condition is labelled (__chart_meta__ wins); unconditional ones are not
    assert labels == {
        ("first.downstream_join_id", "fan.gate"): "main path",
        ("first.downstream_join_id", "cleanup.run"): "failed()",
    }
    # end hangs off the graph's sinks only: every other task finishes before them (all_done)
    assert sorted(dag.get_task("end").upstream_task_ids) == ["cleanup.run"]
    assert dag.get_task("fan.gate").trigger_rule == "all_done"
    assert dag.get_task("fan.route").trigger_rule == "all_done"
    assert dag.get_task("end").trigger_rule == "all_done"
    fan = dag.get_task("fan.run")
    assert fan.partial_kwargs["retries"] == 2
    assert fan.partial_kwargs["max_retry_delay"] == timedelta(seconds=10)
    assert fan.partial_kwargs["max_active_tis_per_dagrun"] == 1  # attune's default concurrency
    assert dag.get_task("first.run").retries == 3


def test_retry_delays_constant_linear_exponential_capped():
    from attune_provider.runtime.retry import retry_delay_seconds
    from attune_provider.spec.model import RetryPolicy

    assert [retry_delay_seconds(RetryPolicy(3, 5, "constant"), n) for n in (1, 2, 3)] == [5, 5, 5]
    assert [retry_delay_seconds(RetryPolicy(3, 5, "linear"), n) for n in (1, 2, 3)] == [5, 10, 15]
    assert [retry_delay_seconds(RetryPolicy(4, 5, "exponential", 30), n) for n in (1, 2, 3, 4)] == [
        5,
        10,
        20,
        30,
    ]


def test_unknown_action_names_file_task_and_places_searched(tmp_path):
    text = """
    ref: test.unknown
    tasks:
      - name: ok
        action: core.noop
        next: [{do: [missing]}]
      - name: missing
        action: nopack.nothing
    """
    with pytest.raises(CompileError) as info:
        _compile(tmp_path, text, name="unknown")
    message = str(info.value)
    assert f"{tmp_path / 'unknown.yaml'}:7:" in message
    assert "task 'missing'" in message and "nopack.nothing" in message
    assert "searched" in message and "built-in core actions" in message


def test_iterate_cache_compiles_to_a_gate_and_a_mapped_run(tmp_path):
    """Was a compile error "not supported"; now attune's cache iteration (runtime.cache_iteration)."""
    text = """
    ref: test.cache
    tasks:
      - name: from_cache
        action: core.noop
        iterate_cache: {namespace: inventory}
        batch_size: 25
        concurrency: 4
    """
    dag, _ = _compile(tmp_path, text, name="cache")
    plan = dag.attune_plan.tasks["from_cache"]
    assert plan.mapped and plan.has_gate
    run = dag.get_task(plan.run_id)
    assert run.upstream_task_ids == {plan.gate_id}
    assert run.partial_kwargs["max_active_tis_per_dagrun"] == 4


def test_back_edges_are_dropped_from_the_graph(tmp_path):
    text = """
    ref: test.cycle
    tasks:
      - name: check
        action: core.noop
        next:
          - when: "{{ succeeded() }}"
            do: [process]
          - when: "{{ failed() }}"
            do: [check]
      - name: process
        action: core.noop
        next: [{do: [check]}]
    """
    dag, _ = _compile(tmp_path, text, name="cycle")
    assert dag.get_task("check.run").upstream_task_ids == set()
    assert dag.get_task("process.run").upstream_task_ids == {"check.run"}
    assert dag.attune_plan.tasks["process"].targets == ()


def test_task_when_and_parallel_warn_and_cancellation_policy_is_documented(tmp_path, caplog):
    text = """
    ref: test.ignored
    cancellation_policy: cancel_running
    tasks:
      - name: checks
        type: parallel
        tasks:
          - name: inner
            action: core.noop
        next: [{do: [guarded]}]
      - name: guarded
        action: core.noop
        when: "{{ parameters.never }}"
    """
    with caplog.at_level("WARNING", logger="attune_provider.compiler.build"):
        dag, _ = _compile(tmp_path, text, name="ignored")
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "task 'checks': 'type: parallel' is parsed but never executed" in messages
    assert "task 'guarded': task-level 'when' is parsed but never executed" in messages
    assert dag.has_task("checks.run") and dag.attune_plan.tasks["checks"].action is None
    assert "cancellation_policy `cancel_running`" in dag.doc_md


def test_nested_workflow_task_becomes_a_trigger_and_a_result_step(tmp_path):
    text = """
    ref: test.nests
    tasks:
      - name: child
        type: workflow
        action: other.workflow
        input: {x: 1}
    """
    dag, _ = _compile(tmp_path, text, name="nests")
    run = dag.get_task("child.run")
    assert run.trigger_dag_id == "other.workflow" and run.wait_for_completion is True
    assert dag.get_task("child.route").trigger_rule == "all_done"
    assert dag.get_task("child.route").downstream_task_ids == {"end"}


def test_serialized_dag_is_deterministic_and_small(tmp_path):
    """Mapped tasks serialize their partial kwargs as text: the plan and the retry policy must
    render the same every parse (else every parse is a new DAG version) and stay short."""
    import json

    from airflow.serialization.serialized_objects import DagSerialization

    texts = []
    for _ in range(2):
        dag, _path = _compile(tmp_path, WORKFLOW)
        texts.append(json.dumps(DagSerialization.to_dict(dag), sort_keys=True, default=str))
    assert texts[0] == texts[1]
    assert "<attune workflow plan test.compiled>" in texts[0]
    assert "WorkflowSpec(" not in texts[0]


LABELS = """
ref: test.labels
tasks:
  - name: route
    action: core.noop
    next:
      - when: "{{ succeeded() }}"
        publish: [{n: 1}]
        do: [summarize]
      - when: "{{ failed() }}"
        do: [report]
      - when: "{{ result().data.very_long_field_name_here == 'some long expected value' }}"
        do: [report]
      - do: [always]
  - {name: summarize, action: core.noop}
  - {name: report, action: core.noop}
  - {name: always, action: core.noop}
  - name: a
    action: core.noop
    next: [{do: [joined]}]
  - name: b
    action: core.noop
    next: [{do: [joined]}]
  - name: joined
    action: core.noop
    join: 1
  - name: after
    action: core.noop
    next: [{do: [tail]}]
  - {name: tail, action: core.noop}
"""


def test_edges_carry_conditions_shortened_and_join_inbound_wired_to_end(tmp_path):
    dag, _ = _compile(tmp_path, LABELS)
    labels = {down: info.get("label") for up, targets in dag.edge_info.items() for down, info in targets.items()}
    assert labels["summarize.run"] == "succeeded() / publish n"
    # two transitions to one target: one edge, both conditions, cut to the label limit
    assert labels["report.run"].startswith("failed() | result().data.very_long")
    assert len(labels["report.run"]) == 40 and labels["report.run"].endswith("…")
    assert "always.run" not in labels  # unconditional: no label
    # join: the gate polls (always + reschedule) and its inbound tasks are wired to end
    gate = dag.get_task("joined.gate")
    assert gate.trigger_rule == "always" and gate.mode == "reschedule"
    assert sorted(dag.get_task("end").upstream_task_ids) == sorted(
        ["a.run", "b.run", "joined.run", "summarize.run", "report.run", "always.run", "tail.run"]
    )
