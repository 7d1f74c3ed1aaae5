"""``attune-airflow respond RUN TASK --json '{...}'``: answer a waiting inquiry (``wait_for``).

The answer is recorded through the same code Airflow's Human-in-the-loop REST endpoint runs
(``PATCH .../hitlDetails``), against the metadata DB of AIRFLOW_HOME, so a run waiting in
another terminal (``attune-airflow run``) or under a scheduler continues. ``choice`` (or
``chosen_options``) picks the option; every other key fills the inquiry's response fields.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from attune_provider.cli import environment
from attune_provider.cli.errors import CliError


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
        raise CliError(f"the answer names no option: add \"choice\": one of {', '.join(options)}", exit_code=2)
    unknown = [str(c) for c in chosen if str(c) not in options]
    if unknown:
        raise CliError(f"unknown option(s) {', '.join(unknown)}; the inquiry offers {', '.join(options)}", 2)
    return [str(c) for c in chosen], fields


def waiting_inquiry(run_id: str, task: str, dag_id: str | None, map_index: int) -> tuple[Any, Any]:
    """(task instance, HITL detail) of the inquiry ``task`` (``<name>`` or ``<name>.inquiry``)."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    task_ids = [task] if task.endswith(".inquiry") else [task, f"{task}.inquiry"]
    with create_session() as session:
        query = select(TaskInstance).where(
            TaskInstance.run_id == run_id, TaskInstance.task_id.in_(task_ids), TaskInstance.map_index == map_index
        )
        if dag_id:
            query = query.where(TaskInstance.dag_id == dag_id)
        found = [(ti, session.get(HITLDetail, ti.id)) for ti in session.scalars(query).all()]
        session.expunge_all()
    found = [(ti, detail) for ti, detail in found if detail is not None]
    if not found:
        raise CliError(f"no inquiry for task {task!r} in run {run_id!r} (map index {map_index})")
    if len(found) > 1:
        dags = ", ".join(sorted(ti.dag_id for ti, _ in found))
        raise CliError(f"run {run_id!r} task {task!r} exists in several DAGs ({dags}); pass --dag")
    return found[0]


def _user(name: str) -> Any:
    """The answering user as Airflow's auth model (imported here: the CLI starts without FastAPI)."""
    from airflow.api_fastapi.auth.managers.models.base_user import BaseUser

    class CliUser(BaseUser):
        def get_id(self) -> str:
            return name

        def get_name(self) -> str:
            return name

    return CliUser()


def record_answer(ti: Any, chosen: list[str], params_input: Mapping[str, Any], user: str) -> None:
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.utils.session import create_session
    from fastapi import HTTPException

    try:
        with create_session() as session:
            update_hitl_detail(
                dag_id=ti.dag_id,
                dag_run_id=ti.run_id,
                task_id=ti.task_id,
                update_hitl_detail_payload=UpdateHITLDetailPayload(
                    chosen_options=chosen, params_input=dict(params_input)
                ),
                user=_user(user),
                session=session,
                map_index=ti.map_index,
            )
    except HTTPException as exc:
        raise CliError(f"{ti.dag_id} / {ti.run_id} / {ti.task_id}: {exc.detail}") from None


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``respond`` sub-command (kept here so ``main`` only registers it)."""
    respond = commands.add_parser(
        "respond",
        parents=[common],
        help="answer a workflow's waiting inquiry (wait_for)",
        description="Answer the inquiry task TASK of DAG run RUN (both printed by `attune-airflow run` "
        "when the inquiry starts waiting). Without --json, ask interactively on a terminal.",
    )
    respond.add_argument("run_id", metavar="RUN", help="DAG run id")
    respond.add_argument("task", metavar="TASK", help="attune task name or its '<name>.inquiry' task id")
    respond.add_argument("--json", metavar="ANSWER", help='e.g. \'{"choice": "approve", "note": "ok"}\'')
    respond.add_argument("--dag", metavar="DAG_ID", help="DAG id, when the run id is not unique")
    respond.add_argument("--map-index", type=int, default=-1, metavar="N", help="mapped instance (default -1)")
    respond.add_argument("--user", default="attune-airflow", help="recorded as the responder")
    respond.set_defaults(handler="attune_provider.cli.respond_cmd:run")


def run(args: argparse.Namespace) -> int:
    try:
        answer = json.loads(args.json) if args.json is not None else None
    except json.JSONDecodeError as exc:
        raise CliError(f"--json: not JSON: {exc}", exit_code=2) from None
    if answer is not None and not isinstance(answer, Mapping):
        raise CliError("--json: expected an object, e.g. '{\"choice\": \"approve\"}'", exit_code=2)
    environment.prepare(args.airflow_home)
    environment.quiet_airflow_logging()
    ti, detail = waiting_inquiry(args.run_id, args.task, args.dag, args.map_index)
    options = [str(o) for o in detail.options]
    if answer is None:
        if not sys.stdin.isatty():
            raise CliError("pass the answer with --json (stdin is not a terminal)", exit_code=2)
        from attune_provider.cli.inquiries import ask_on_terminal

        answer = ask_on_terminal(detail.subject, detail.body, options, dict(detail.params or {}))
    chosen, params_input = split_answer(answer, options)
    record_answer(ti, chosen, params_input, args.user)
    print(f"answered {ti.dag_id} / {ti.run_id} / {ti.task_id}: {', '.join(chosen)}", file=sys.stderr)
    return 0
