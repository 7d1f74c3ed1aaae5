"""Inquiry prompts and answers of the CLI, without Airflow: text, command, validation, terminal."""

from __future__ import annotations

import io
import json
import shlex

import pytest

from attune_provider.cli.errors import CliError
from attune_provider.cli.inquiries import ask_on_terminal, describe, respond_command, split_answer

INQUIRY = {
    "dag_id": "x.flow",
    "run_id": "manual__2026-01-01T00:00:00+00:00",
    "task_id": "approve.inquiry",
    "map_index": -1,
    "subject": "Ship it?",
    "body": "release 1.2\nall checks green",
    "options": ["approve", "reject"],
    "fields": ["note"],
    "timeout_at": None,
}


def test_describe_prints_prompt_and_a_runnable_respond_command():
    text = describe(INQUIRY)
    assert text.startswith("inquiry waiting: Ship it?  (x.flow / approve.inquiry)")
    assert "  release 1.2\n  all checks green" in text and "response fields: note" in text
    command = shlex.split(respond_command(INQUIRY))
    assert command[:4] == ["attune-airflow", "respond", INQUIRY["run_id"], "approve.inquiry"]
    assert json.loads(command[-1]) == {"choice": "approve", "note": "..."}
    mapped = shlex.split(respond_command({**INQUIRY, "map_index": 3}))
    assert mapped[4:6] == ["--map-index", "3"]


def test_split_answer_validates_the_option():
    assert split_answer({"choice": "reject", "note": "no"}, ["approve", "reject"]) == (["reject"], {"note": "no"})
    assert split_answer({"chosen_options": ["approve"]}, ["approve", "reject"]) == (["approve"], {})
    assert split_answer({"note": "x"}, ["ok"]) == (["ok"], {"note": "x"})  # a single option is implied
    with pytest.raises(CliError, match="maybe"):
        split_answer({"choice": "maybe"}, ["approve", "reject"])
    with pytest.raises(CliError, match="names no option"):
        split_answer({"note": "x"}, ["approve", "reject"])


def test_interactive_answer_asks_until_the_option_is_valid(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("perhaps\nreject\n[1, 2]\n"))
    out = io.StringIO()
    answer = ask_on_terminal("Ship it?", None, ["approve", "reject"], {"note": None}, out)
    assert answer == {"choice": "reject", "note": [1, 2]}
    assert out.getvalue().count("choose [approve/reject]: ") == 2


def test_interactive_answer_fails_loudly_when_stdin_closes(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(EOFError):
        ask_on_terminal("Ship it?", None, ["approve", "reject"], {}, io.StringIO())
