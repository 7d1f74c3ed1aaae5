"""Airflow operators as actions (reference 9.4), run directly (the DAG run is in test_actions_dag)."""

from __future__ import annotations

import pytest

from attune_provider.actions import ActionRegistry, OperatorAction, UnknownActionError
from tests.actions.helpers import wait_gone

BASH = "airflow:airflow.providers.standard.operators.bash.BashOperator"


@pytest.fixture(scope="module")
def plain() -> ActionRegistry:
    return ActionRegistry(packs_folders=[], entry_point_group=None, pack_entry_point_group=None)


def test_bash_operator_as_action(plain):
    action = plain.resolve(BASH)
    assert isinstance(action, OperatorAction) and action.kind == "operator"
    result = action.run({"bash_command": "echo one; echo two"})
    assert result.succeeded, result.error
    assert result.data == "two"  # BashOperator returns its last output line


def test_operator_failure_is_failed_with_the_airflow_error(plain):
    result = plain.resolve(BASH).run({"bash_command": "exit 5"})
    assert result.outcome == "failed"
    assert "AirflowException" in result.error and "non-zero exit code 5" in result.error


def test_bad_operator_arguments_fail(plain):
    result = plain.resolve(BASH).run({"no_such_argument": 1})
    assert result.outcome == "failed"
    assert "cannot create BashOperator" in result.error


def test_operator_timeout_calls_on_kill(plain, tmp_path):
    pid_file = tmp_path / "pid"
    result = plain.resolve(BASH).run({"bash_command": f"echo $$ > {pid_file}; sleep 30"}, timeout=1)
    assert result.outcome == "timed_out"
    pid = int(pid_file.read_text())
    assert wait_gone(pid)  # on_kill() terminated the command instead of letting it run 30 s


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("airflow:airflow.providers.standard.operators.nope.NopeOperator", "cannot import"),
        ("airflow:airflow.providers.standard.operators.bash.Missing", "has no 'Missing'"),
        ("airflow:json.JSONDecoder", "is not an Airflow operator"),
        ("airflow:BashOperator", "expected a dotted path"),
    ],
)
def test_bad_operator_refs(plain, ref, reason):
    with pytest.raises(UnknownActionError, match=reason):
        plain.resolve(ref)
