"""``attune-airflow respond RUN TASK --json '{...}'``: answer a waiting inquiry (``wait_for``).

The answer goes through Airflow's public Human-in-the-loop REST endpoint (``PATCH
.../hitlDetails``) of an api-server on the metadata DB of AIRFLOW_HOME: the one a live
``attune-airflow run`` started (found in its run record), else ``--api-url`` (default
``[api] base_url``, token from ``AIRFLOW_API_TOKEN``), so a run waiting in another terminal or
under a deployment's scheduler continues. ``choice`` (or
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
from attune_provider.cli.inquiries import ask_on_terminal, split_answer


def waiting_inquiry(run_id: str, task: str, dag_id: str | None, map_index: int) -> tuple[Any, Any]:
    """(task instance, HITL detail) of the inquiry ``task`` (``<name>`` or ``<name>.inquiry``)."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    task_ids = [task] if task.endswith(".inquiry") else [task, f"{task}.inquiry"]
    with create_session() as session:
        query = select(TaskInstance).where(
            TaskInstance.run_id == run_id,
            TaskInstance.task_id.in_(task_ids),
            TaskInstance.map_index == map_index,
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


def api_for(home: Any, api_url: str | None) -> Any:
    """The api-server that records the answer (see the module doc)."""
    from attune_provider.cli.api_client import AirflowApi
    from attune_provider.cli.run_records import live_api_url

    url = api_url or live_api_url(home)
    if url is not None:
        api = AirflowApi(url)
        if api.token is None:
            api.login()
        return api
    from airflow.configuration import conf

    base = conf.get("api", "base_url", fallback="") or ""
    if not base:
        raise CliError(
            "no api-server to answer through: no `attune-airflow run` with Airflow's processes is running "
            "on this home, and neither --api-url nor [api] base_url names one"
        )
    api = AirflowApi(base)
    if api.token is None:
        api.login()
    return api


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
    respond.add_argument(
        "--map-index", type=int, default=-1, metavar="N", help="mapped instance (default -1)"
    )
    respond.add_argument(
        "--api-url", help="api-server to answer through (default: the run's own, else [api] base_url)"
    )
    respond.set_defaults(handler="attune_provider.cli.respond_cmd:run")


def run(args: argparse.Namespace) -> int:
    try:
        answer = json.loads(args.json) if args.json is not None else None
    except json.JSONDecodeError as exc:
        raise CliError(f"--json: not JSON: {exc}", exit_code=2) from None
    if answer is not None and not isinstance(answer, Mapping):
        raise CliError('--json: expected an object, e.g. \'{"choice": "approve"}\'', exit_code=2)
    home = environment.prepare(args.airflow_home)
    environment.quiet_airflow_logging()
    from attune_provider.cli.run_records import settle_dead_runs

    settle_dead_runs(home)
    ti, detail = waiting_inquiry(args.run_id, args.task, args.dag, args.map_index)
    options = [str(o) for o in detail.options]
    if answer is None:
        if not sys.stdin.isatty():
            raise CliError("pass the answer with --json (stdin is not a terminal)", exit_code=2)
        answer = ask_on_terminal(detail.subject, detail.body, options, dict(detail.params or {}))
    chosen, params_input = split_answer(answer, options)
    api_for(home, args.api_url).answer_inquiry(
        ti.dag_id, ti.run_id, ti.task_id, ti.map_index, chosen, params_input
    )
    print(f"answered {ti.dag_id} / {ti.run_id} / {ti.task_id}: {', '.join(chosen)}", file=sys.stderr)
    return 0
