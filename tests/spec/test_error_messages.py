"""The full text users see for each kind of bad input: file:line:column: error: message (hint)."""

from __future__ import annotations

import pytest

from attune_provider.spec import LoadError, load_pack, load_workflow_file

CASES = [
    pytest.param(
        "tasks:\n  - name: a\n    action: [core.echo\n",
        "4:1: error: invalid YAML: did not find expected ',' or ']' "
        "(hint: while parsing a flow sequence started at line 3, column 13)",
        id="bad-yaml",
    ),
    pytest.param(
        "tasks:\n  - name: a\n    action: x.y\n    action: x.z\n",
        "4:5: error: duplicate key 'action' in mapping 'tasks[0]' (first defined at line 3) "
        "(hint: YAML would silently keep only the last value; remove or rename one of them)",
        id="duplicate-key",
    ),
    pytest.param(
        "tasks:\n  deploy:\n    action: x.y\n",
        "2:3: error: 'tasks' must be a list of tasks, got a mapping of task name to task "
        "(hint: write each task as a list item with a name: `- name: deploy` (attune rejects the mapping form too))",
        id="tasks-mapping",
    ),
    pytest.param(
        "tasks:\n  - name: a\n    concurrency: many\n",
        "3:18: error: task 'a': 'concurrency' must be a positive integer, got 'many'",
        id="wrong-type",
    ),
    pytest.param(
        "tasks:\n  - name: a\n    next:\n      - do: [b]\n",
        "4:14: error: task 'a' transitions to unknown task 'b' (hint: known tasks: a)",
        id="unknown-do-target",
    ),
    pytest.param(
        'tasks:\n  - name: a\n    input:\n      x: "{{ parameters.y }"\n',
        "4:10: error: invalid template in 'tasks[0].input.x': template syntax error at line 1: "
        "unexpected '}' (hint: templates use Jinja2 syntax: {{ expression }} and {% statement %})",
        id="bad-template",
    ),
    pytest.param(
        "tasks:\n  - name: a\n  - name: a\n",
        "3:11: error: duplicate task name 'a' (first defined at line 2) "
        "(hint: task names must be unique within a workflow)",
        id="duplicate-task",
    ),
    pytest.param(
        "version: '1.0'\ntasks: []\n",
        "2:8: error: the workflow has no tasks (hint: add a `tasks:` list with at least one `- name: ...` item)",
        id="empty-tasks",
    ),
    pytest.param(
        "tasks:\n  - name: a\n    retry:\n      count: 2\n      delay: 1\n      backoff: random\n",
        "6:16: error: task 'a': unknown retry backoff 'random' (hint: use one of constant, linear, exponential)",
        id="bad-retry",
    ),
    pytest.param(
        "version: 1.0\ntasks:\n  - name: a\n",
        "1:10: error: 'version' must be a string, got number 1.0 "
        '(hint: quote it: `version: "1.0"` (YAML reads an unquoted 1.0 as a number))',
        id="version-float",
    ),
    pytest.param(
        "tasks:\n  - name: a\n    next:\n      - publish:\n          - x: 1\n            y: 2\n",
        "5:13: error: task 'a': publish item #1 must be a single-key mapping, got mapping with keys x, y "
        "(hint: write each variable as its own item: `- name: value`)",
        id="publish-not-single-key",
    ),
    pytest.param(
        "airflow:\n  schedule: every day\ntasks:\n  - name: a\n",
        "2:13: error: schedule 'every day' is not a valid cron expression "
        "(hint: five fields: minute hour day-of-month month day-of-week, e.g. '*/5 * * * *')",
        id="bad-airflow-block",
    ),
    pytest.param(
        "tasks:\n  - name: a\n    wait_for: {inquiry: 1}\n    on_success: a\n",
        "3:15: error: task 'a' waits for an inquiry (wait_for) but sits on a cycle",
        id="wait-for-in-cycle",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_error_text(write, text, expected):
    path = write(text)
    with pytest.raises(LoadError) as info:
        load_workflow_file(path)
    (error,) = info.value.errors
    assert str(error).startswith(f"{path}:{expected}")


def test_workflow_file_escaping_the_pack(write, tmp_path):
    path = write("ref: p.x\nworkflow_file: workflows/../../../secrets.yaml\n", "p/actions/x.yaml")
    (error,) = load_pack(tmp_path / "p").errors
    assert str(error) == (
        f"{path}:2:16: error: 'workflow_file' 'workflows/../../../secrets.yaml' must not contain '..' "
        "(hint: use a relative path inside actions/workflows/, e.g. `workflow_file: workflows/deploy.workflow.yaml`)"
    )


def test_multiple_errors_in_one_file_are_listed_together(write):
    path = write("version: 2.5\ntasks:\n  - name: a\n    join: 0\n")
    with pytest.raises(LoadError) as info:
        load_workflow_file(path)
    lines = str(info.value).splitlines()
    assert lines[0] == "2 errors:"
    assert lines[1].startswith(f"  {path}:1:10: error: 'version' must be a string")
    assert lines[2].startswith(f"  {path}:4:11: error: task 'a': 'join' must be a positive integer, got 0")
