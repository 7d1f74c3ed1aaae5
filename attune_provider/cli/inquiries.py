"""Inquiries (``wait_for``) during ``attune-airflow run``: show them and answer them.

Airflow parks a Human-in-the-loop task in AWAITING_INPUT until an answer arrives through the
REST API (or the UI); the scheduler enforces the inquiry's ``timeout`` itself. The
:class:`InquiryWatcher` side thread prints each new inquiry of the runs this CLI started (and of
their child runs) with the command that answers it, and asks on the terminal when stdin is one,
answering through the run's own api-server.
"""

from __future__ import annotations

import json
import shlex
import sys
import threading
from collections.abc import Mapping
from datetime import UTC
from typing import Any, TextIO

from attune_provider.cli.errors import CliError


def waiting(dag_ids: set[str], since: Any) -> list[dict[str, Any]]:
    """Inquiries parked in AWAITING_INPUT in runs of ``dag_ids`` that started after ``since``."""
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(settings.engine) as session:
        rows = session.execute(
            select(TaskInstance, HITLDetail)
            .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
            .join(DagRun, (DagRun.dag_id == TaskInstance.dag_id) & (DagRun.run_id == TaskInstance.run_id))
            .where(
                TaskInstance.dag_id.in_(dag_ids),
                TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
                DagRun.run_after >= since,
            )
        ).all()
        return [
            {
                "dag_id": ti.dag_id,
                "run_id": ti.run_id,
                "task_id": ti.task_id,
                "map_index": ti.map_index,
                "subject": detail.subject,
                "body": detail.body,
                "options": [str(o) for o in detail.options],
                "fields": sorted(detail.params or {}),
                "timeout_at": ti.trigger_timeout,
            }
            for ti, detail in rows
        ]


def split_answer(answer: Mapping[str, Any], options: list[str]) -> tuple[list[str], dict[str, Any]]:
    """``{"choice": "approve", "note": "x"}`` -> (chosen options, params_input); validated."""
    fields = dict(answer)
    chosen = fields.pop("chosen_options", None)
    choice = fields.pop("choice", None)
    if chosen is None:
        chosen = [choice] if choice is not None else []
    if isinstance(chosen, str):
        chosen = [chosen]
    if not chosen and len(options) == 1:
        chosen = list(options)
    if not chosen:
        raise CliError(f'the answer names no option: add "choice": one of {", ".join(options)}', exit_code=2)
    unknown = [str(c) for c in chosen if str(c) not in options]
    if unknown:
        raise CliError(f"unknown option(s) {', '.join(unknown)}; the inquiry offers {', '.join(options)}", 2)
    return [str(c) for c in chosen], fields


def respond_command(inquiry: Mapping[str, Any]) -> str:
    """The shell command that answers ``inquiry`` from a second terminal."""
    answer: dict[str, Any] = {"choice": inquiry["options"][0]}
    answer.update({name: "..." for name in inquiry["fields"]})
    parts = ["attune-airflow", "respond", inquiry["run_id"], inquiry["task_id"]]
    if inquiry["map_index"] >= 0:
        parts += ["--map-index", str(inquiry["map_index"])]
    return " ".join(shlex.quote(p) for p in [*parts, "--json", json.dumps(answer)])


def describe(inquiry: Mapping[str, Any]) -> str:
    lines = [f"inquiry waiting: {inquiry['subject']}  ({inquiry['dag_id']} / {inquiry['task_id']})"]
    if inquiry.get("body"):
        lines.extend(f"  {line}" for line in str(inquiry["body"]).splitlines())
    lines.append(f"  options: {', '.join(inquiry['options'])}")
    if inquiry["fields"]:
        lines.append(f"  response fields: {', '.join(inquiry['fields'])}")
    if inquiry.get("timeout_at") is not None:
        lines.append(f"  times out at {inquiry['timeout_at']:%Y-%m-%d %H:%M:%S} UTC")
    lines.append(f"  answer with: {respond_command(inquiry)}")
    return "\n".join(lines)


def ask_on_terminal(
    subject: str,
    body: str | None,
    options: list[str],
    fields: Mapping[str, Any],
    stream: TextIO | None = None,
) -> dict[str, Any]:
    """Ask for an answer interactively: the option, then each response field (YAML values)."""
    from attune_provider.cli.workflows import parse_value

    out = stream or sys.stderr
    print(f"{subject}\n{body or ''}".rstrip(), file=out, flush=True)
    choice = ""
    while choice not in options:
        out.write(f"choose [{'/'.join(options)}]: ")
        out.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError("no answer: stdin closed")
        choice = line.strip() or (options[0] if len(options) == 1 else "")
    answer: dict[str, Any] = {"choice": choice}
    for name in fields:
        out.write(f"{name}: ")
        out.flush()
        text = sys.stdin.readline().rstrip("\n")
        if text:
            answer[name] = parse_value(text)
    return answer


class InquiryWatcher:
    """Side thread: announce new inquiries, answer them on a TTY through the run's api-server."""

    def __init__(
        self,
        dag_ids: set[str],
        *,
        interactive: bool = False,
        stream: TextIO | None = None,
        interval: float = 0.5,
    ) -> None:
        from datetime import datetime

        self.dag_ids = set(dag_ids)
        self.interactive = interactive
        self.stream = stream or sys.stderr
        self.interval = interval
        self.since = datetime.now(UTC)
        self.api: Any = None
        self.seen: set[tuple[str, str, str, int]] = set()
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="attune-inquiries", daemon=True)

    def start(self) -> InquiryWatcher:
        self._thread.start()
        return self

    def use_api(self, api: Any) -> None:
        """The api-server that answers (set once the run's own api-server is up)."""
        self.api = api

    def _announce(self, inquiry: dict[str, Any]) -> None:
        print("\n" + describe(inquiry), file=self.stream, flush=True)
        if self.interactive and self.api is not None:
            threading.Thread(target=self._ask, args=(inquiry,), daemon=True).start()

    def _ask(self, inquiry: dict[str, Any]) -> None:
        try:
            answer = ask_on_terminal(
                inquiry["subject"], None, inquiry["options"], dict.fromkeys(inquiry["fields"]), self.stream
            )
            chosen, params = split_answer(answer, inquiry["options"])
            self.api.answer_inquiry(
                inquiry["dag_id"], inquiry["run_id"], inquiry["task_id"], inquiry["map_index"], chosen, params
            )
        except Exception as exc:  # answered elsewhere, timed out, stdin closed: say so, keep running
            print(f"inquiry {inquiry['task_id']}: not answered here: {exc}", file=self.stream, flush=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                for inquiry in waiting(self.dag_ids, self.since):
                    key = (inquiry["dag_id"], inquiry["run_id"], inquiry["task_id"], inquiry["map_index"])
                    if key not in self.seen:
                        self.seen.add(key)
                        self._announce(inquiry)
            except Exception as exc:  # SQLite busy for a moment: try again on the next poll
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
