"""Task fields (reference 3) and their strictness (reference 1.5, 1.6)."""

from __future__ import annotations

import pytest

from attune_provider.spec import RetryPolicy, WaitFor


def one_task(body: str) -> str:
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"tasks:\n  - name: t\n{lines}\n"


def test_all_task_fields(load):
    wf = load(
        one_task(
            """
action: core.process
input:
  item: "{{ item }}"
with_items: "{{ parameters.items }}"
batch_size: 10
concurrency: 2
retry: {count: 3, delay: 5, backoff: linear, max_delay: 30}
timeout: 120
join: 1
worker_selector: {queue: gpu}
"""
        )
    )
    task = wf.task("t")
    assert task.action == "core.process"
    assert dict(task.input) == {"item": "{{ item }}"}
    assert task.with_items == "{{ parameters.items }}"
    assert (task.batch_size, task.concurrency, task.join, task.timeout) == (10, 2, 1, 120)
    assert task.retry == RetryPolicy(count=3, delay=5.0, backoff="linear", max_delay=30.0)
    assert task.queue == "gpu"
    assert dict(task.extra) == {"worker_selector": {"queue": "gpu"}}
    assert task.location.line == 2 and task.location.column == 5


def test_defaults_of_a_bare_task(load):
    task = load(one_task("action: core.noop")).task("t")
    assert task.input is None and task.next == () and task.with_items is None
    assert task.retry is None and task.timeout is None and task.type is None and task.extra == {}


def test_hyphenated_with_items_is_accepted(load):
    task = load(one_task("action: a.b\nwith-items: [1, 2]")).task("t")
    assert task.with_items == [1, 2]


def test_both_with_items_spellings_is_an_error(load_errors):
    assert "both 'with_items' and 'with-items'" in str(
        load_errors(one_task("with_items: [1]\nwith-items: [2]"))
    )


def test_typo_key_warns_with_suggestion_and_location(load):
    wf = load(one_task("action: a.b\nwith-item: [1]"))
    (warning,) = wf.warnings
    assert (warning.location.line, warning.location.column) == (4, 5)
    assert "unknown task key 'with-item' is ignored; did you mean 'with_items'?" in warning.message


def test_timeout_template_is_kept(load):
    assert load(one_task('timeout: "{{ parameters.t }}"')).task("t").timeout == "{{ parameters.t }}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("timeout: soon", "'timeout' must be a positive number of seconds or a template"),
        ("timeout: 0", "'timeout' must be a positive number"),
        ("batch_size: 0", "'batch_size' must be a positive integer, got 0"),
        ("concurrency: two", "'concurrency' must be a positive integer"),
        ("join: -1", "'join' must be a positive integer"),
        ("join: true", "'join' must be a positive integer"),
        ("retry: 3", "'retry' must be a mapping"),
        # attune's RetryConfig (crates/common/src/workflow/parser.rs): count 1-100, delay/max_delay u32
        ("retry: {count: -1, delay: 1}", "retry 'count' must be an integer from 1 to 100 (attune's range), got -1"),
        ("retry: {count: 0, delay: 1}", "retry 'count' must be an integer from 1 to 100"),
        ("retry: {count: 101, delay: 1}", "retry 'count' must be an integer from 1 to 100"),
        ("retry: {count: 2, delay: soon}", "retry 'delay' must be a whole number of seconds from 0 to"),
        ("retry: {count: 2, delay: 0.5}", "retry 'delay' must be a whole number of seconds from 0 to"),
        ("retry: {count: 2}", "retry has no 'delay'; attune's parser requires both 'count' and 'delay'"),
        ("retry: {delay: 2}", "retry has no 'count'"),
        ("retry: {count: 2, delay: 1, backoff: fibonacci}", "unknown retry backoff 'fibonacci'"),
        ("retry: {count: 2, delay: 1, max_delay: -5}", "retry 'max_delay' must be a whole number of seconds from 0 to"),
        ("retry: {count: 2, delay: 1, on_error: [timeout]}", "retry 'on_error' must be a template string"),
        # attune reads join as Option<usize>: `join: all` is a parse error there
        ("join: all", "'join' must be a positive integer, got 'all'"),
        # issue 22: a count or delay that overflows Airflow's integer / timedelta is a located error
        ("retry: {count: 100000000000000000000000000000, delay: 1}", "retry 'count' must be an integer from 1 to 100"),
        ("retry: {count: 2, delay: 1.0e+29}", "retry 'delay' must be a whole number of seconds from 0 to"),
        ("retry: {count: 2, delay: .inf}", "retry 'delay' must be a whole number of seconds from 0 to"),
        ("retry: {count: 2, delay: 100000000000000000000000000000}", "retry 'delay' must be a whole number of seconds from 0 to"),
        ("timeout: 100000000000000000000000000000", "'timeout' must be a positive number of seconds"),
        ("input: [a]", "'input' must be a mapping"),
        ("action: 3", "'action' must be an action ref"),
        ("type: serial", "unknown task type 'serial'"),
        ("wait_for: yes", "'wait_for' must be a mapping with an 'inquiry' key"),
        ("wait_for: {timeout: 5}", "'wait_for' must be a mapping with an 'inquiry' key"),
        ("iterate_cache: users", "'iterate_cache' must be a mapping"),
        ("worker_selector: {queue: 5}", "'worker_selector.queue' must be text"),
        ("when: 5", "'when' must be a template string"),
    ],
)
def test_bad_field_values(load_errors, body, message):
    error = load_errors(one_task(body))
    (spec_error,) = error.errors
    assert message in spec_error.message
    assert spec_error.location.line == 3
    assert spec_error.location.file.endswith("wf.yaml")


def test_unknown_retry_key_warns(load):
    wf = load(one_task("retry: {count: 1, delay: 0, dealy: 2}"))
    assert "unknown retry key 'dealy' is ignored; did you mean 'delay'?" in wf.warnings[0].message


def test_wait_for_is_parsed(load):
    task = load(one_task('wait_for:\n  inquiry: "{{ parameters.id }}"\n  timeout: 60')).task("t")
    assert task.wait_for == WaitFor(
        inquiry="{{ parameters.id }}", options={"timeout": 60}, location=task.wait_for.location
    )
    assert task.wait_for.location.line == 4


def test_iterate_cache_is_recorded_not_rejected(load):
    task = load(one_task("action: a.b\niterate_cache: {namespace: users}")).task("t")
    assert dict(task.iterate_cache) == {"namespace": "users"}


def test_task_when_and_parallel_are_warnings(load):
    wf = load(one_task('when: "{{ true }}"\ntype: parallel\ntasks:\n  - name: x'))
    task = wf.task("t")
    assert task.when == "{{ true }}" and task.type == "parallel"
    assert task.extra["tasks"] == [{"name": "x"}]
    assert sorted(w.code for w in wf.warnings) == ["not-executed", "not-executed"]
    assert all("never executed" in w.message for w in wf.warnings)


def test_type_workflow_and_action(load):
    assert load(one_task("type: workflow\naction: p.child")).task("t").type == "workflow"
    assert load(one_task("type: action\naction: p.child")).task("t").type is None


def test_attune_server_keys_are_accepted_silently(load):
    wf = load(
        one_task(
            """
permission_set_refs: [core.reader]
permission_set_ref: x
worker_tolerations: [{key: a}]
worker_affinity: {}
trace_tag_template: "t"
__chart_meta__: {position: {x: 1}}
"""
        )
    )
    assert wf.warnings == ()
    assert set(wf.task("t").extra) == {
        "permission_set_refs", "permission_set_ref", "worker_tolerations", "worker_affinity",
        "trace_tag_template", "__chart_meta__",
    }  # fmt: skip


def test_task_without_name(load_errors):
    error = load_errors("tasks:\n  - action: a.b\n")
    assert str(error.errors[0]).startswith(
        f"{error.errors[0].location.file}:2:5: error: task #1 has no 'name'"
    )


def test_task_that_is_not_a_mapping(load_errors):
    assert "task #1 must be a mapping, got string" in str(load_errors("tasks:\n  - just_a_name\n"))


def test_duplicate_task_names(load_errors):
    error = load_errors("tasks:\n  - name: a\n  - name: b\n  - name: a\n")
    (spec_error,) = error.errors
    assert spec_error.location.line == 4
    assert spec_error.message == "duplicate task name 'a' (first defined at line 2)"


def test_empty_and_missing_tasks(load_errors):
    assert "the workflow has no tasks" in str(load_errors("tasks: []\n"))
    assert "the workflow has no tasks" in str(load_errors("ref: x\n"))


def test_tasks_as_mapping_is_an_error_with_hint(load_errors):
    error = load_errors("tasks:\n  first:\n    action: a.b\n")
    (spec_error,) = error.errors
    assert spec_error.location.line == 2
    assert "'tasks' must be a list of tasks, got a mapping" in spec_error.message
    assert "- name: first" in spec_error.hint


@pytest.mark.parametrize("name", ["has space", "dotted.name", "x" * 201, "semi;colon"])
def test_task_name_must_be_an_airflow_group_id(load_errors, name):
    error = load_errors(f"tasks:\n  - name: '{name}'\n")
    (spec_error,) = error.errors
    assert spec_error.location.line == 2
    assert "cannot be an Airflow task group id" in spec_error.message


def test_task_name_with_dash_and_digits_is_fine(load):
    assert load("tasks:\n  - name: step-1_b\n").task_names == ("step-1_b",)


def test_join_larger_than_inbound_edges_warns(load):
    wf = load(
        """
        tasks:
          - name: a
            on_success: c
          - name: b
            on_success: c
          - name: c
            join: 3
        """
    )
    (warning,) = wf.warnings
    assert warning.code == "join-unsatisfiable" and warning.location.line == 6
    assert "task 'c' has join: 3 but only 2 task(s) transition to it" in warning.message
    assert not load("tasks:\n  - name: a\n    on_success: b\n  - name: b\n    join: 1\n").warnings


def test_retry_on_error_is_read_as_attune_reads_it_and_said_to_be_not_evaluated(load):
    """attune's parser reads `on_error: Option<String>` (crates/common/src/workflow/parser.rs
    RetryConfig); its executor never evaluates it (crates/executor/src/scheduler.rs
    maybe_retry_workflow_task retries every failed or timed-out attempt up to `count`)."""
    wf = load(one_task('retry:\n  count: 2\n  delay: 0\n  on_error: "{{ \'timeout\' in result().error }}"'))
    retry = wf.task("t").retry
    assert (retry.count, retry.delay, retry.on_error) == (2, 0.0, "{{ 'timeout' in result().error }}")
    (warning,) = wf.warnings
    assert warning.code == "not-executed"
    assert "retry 'on_error' is parsed but never evaluated" in warning.message
    assert warning.location.line == 6  # the on_error key, not somewhere near


def test_retry_on_error_template_is_syntax_checked(load_errors):
    error = load_errors(one_task('retry: {count: 1, delay: 0, on_error: "{{ result( }}"}'))
    assert [e.code for e in error.errors] == ["template-syntax"]


def test_join_all_is_a_located_attune_rejects_error(load_errors):
    (error,) = load_errors(one_task("join: all")).errors
    assert error.code == "attune-rejects" and error.location.line == 3
    assert "write the count of inbound tasks" in (error.hint or "")
