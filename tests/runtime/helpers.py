"""Shared helpers for the Airflow end-to-end tests of compiled workflows.

Only actions are test doubles (Python callables registered in a real ActionRegistry); Airflow,
the XCom backend and the result store are the real ones.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attune_provider.actions.registry import ActionRegistry
from attune_provider.compiler import compile_workflow
from attune_provider.spec.loader import load_workflow_file


def write_workflow(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    return path


#: DAGs compiled by tests in this process; the DAG file below hands them to the DagBag
COMPILED: dict[str, Any] = {}

DAG_FILE = """\
# airflow DAG file written by tests/runtime/helpers.py: dag.test() only runs DAGs it finds in the DAG folder
# (it syncs the bundle to the DB), so the DAGs compiled in the test process are exposed here.
from tests.runtime.helpers import COMPILED

globals().update({dag_id.replace(".", "__"): dag for dag_id, dag in COMPILED.items()})
"""


def install_dag_file(dags_folder: Path) -> Path:
    path = dags_folder / "attune_test_compiled_dags.py"
    if not path.exists() or path.read_text() != DAG_FILE:
        path.write_text(DAG_FILE)
    return path


def expose(dag):
    """Make a compiled DAG visible to dag.test()'s bundle sync; returns it."""
    COMPILED[dag.dag_id] = dag
    return dag


def compile_text(folder: Path, name: str, text: str, registry: ActionRegistry, **kwargs: Any):
    spec = load_workflow_file(write_workflow(folder, name, text))
    return expose(compile_workflow(spec, registry=registry, **kwargs))


class RunReport:
    """States, results, routing decisions and variables of one finished dag.test() run."""

    def __init__(self, dag, dagrun) -> None:
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import select

        self.dag = dag
        self.dagrun = dagrun
        self.run_id = dagrun.run_id
        self.state = str(getattr(dagrun.state, "value", dagrun.state))
        with create_session() as session:
            tis = session.scalars(
                select(TaskInstance).where(
                    TaskInstance.dag_id == dag.dag_id, TaskInstance.run_id == dagrun.run_id
                )
            ).all()
            self.states: dict[str, Any] = {}
            self.mapped_states: dict[str, dict[int, Any]] = {}
            self.labels: dict[str, dict[int, Any]] = {}
            self.tries: dict[tuple[str, int], int] = {}
            for ti in tis:
                state = str(getattr(ti.state, "value", ti.state)) if ti.state is not None else None
                self.tries[(ti.task_id, ti.map_index)] = ti.try_number
                if ti.map_index >= 0:
                    self.mapped_states.setdefault(ti.task_id, {})[ti.map_index] = state
                    self.labels.setdefault(ti.task_id, {})[ti.map_index] = ti.rendered_map_index
                else:
                    self.states[ti.task_id] = state

    def xcom(self, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        from attune_provider.xcom import AttuneXComBackend

        with create_session() as session:
            row = session.scalars(
                select(XComModel).where(
                    XComModel.dag_id == self.dag.dag_id,
                    XComModel.run_id == self.run_id,
                    XComModel.task_id == task_id,
                    XComModel.key == key,
                    XComModel.map_index == map_index,
                )
            ).first()
            if row is None:
                return None
            return _plain(AttuneXComBackend.deserialize_value(row))

    def retry_gaps(self, task_id: str, map_index: int = -1) -> list[float]:
        """Seconds between the end of each try and the start of the next (retry delays)."""
        from airflow.models.taskinstance import TaskInstance
        from airflow.models.taskinstancehistory import TaskInstanceHistory
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            where = dict(dag_id=self.dag.dag_id, run_id=self.run_id, task_id=task_id, map_index=map_index)
            tries = [
                (h.try_number, h.start_date, h.end_date)
                for h in session.scalars(select(TaskInstanceHistory).filter_by(**where)).all()
            ]
            ti = session.scalars(select(TaskInstance).filter_by(**where)).one()
            tries.append((ti.try_number, ti.start_date, ti.end_date))
        tries.sort()
        return [(b[1] - a[2]).total_seconds() for a, b in itertools.pairwise(tries)]

    def task_state(self, name: str) -> Any:
        """The attune task's visible state: its run step (unmapped)."""
        return self.states.get(f"{name}.run")

    def result(self, name: str) -> Any:
        return self.xcom(f"{name}.run")

    def decision(self, name: str) -> Any:
        plan = self.dag.attune_plan
        decider = plan.tasks[name].decider_id
        return self.xcom(decider, key="attune_route") if decider else None

    @property
    def output(self) -> Any:
        return self.xcom(self.dag.attune_plan.end_id)

    def variables(self) -> dict[str, Any]:
        from attune_provider.store.result_store import ResultStore
        from attune_provider.store.variables import RunVariables

        snapshot = RunVariables(ResultStore.from_settings(), self.dag.dag_id, self.run_id).snapshot()
        return {**self.dag.attune_plan.workflow.vars, **_plain(snapshot)}


def _plain(value: Any) -> Any:
    from attune_provider.runtime.values import plain

    return plain(value)


def run_dag(dag, conf: Mapping[str, Any] | None = None, **kwargs: Any) -> RunReport:
    dagrun = dag.test(run_conf=dict(conf or {}), **kwargs)
    return RunReport(dag, dagrun)


def awaiting_input(dag_id: str) -> list[Any]:
    """Task instances of ``dag_id`` parked in AWAITING_INPUT (human-in-the-loop)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_id, TaskInstance.state == TaskInstanceState.AWAITING_INPUT
            )
        ).all()
        return [(ti.task_id, ti.run_id, ti.map_index) for ti in rows]


def run_dag_with_human(
    dag, respond, conf: Mapping[str, Any] | None = None, timeout: float = 240
) -> RunReport:
    """dag.test() (main thread: Airflow installs signal handlers) while a second thread plays the
    person: ``respond(task_id, run_id, map_index)`` once per parked human-in-the-loop instance."""
    import threading
    import time

    done = threading.Event()
    errors: list[BaseException] = []

    def person() -> None:
        answered: set[tuple[str, str, int]] = set()
        deadline = time.monotonic() + timeout
        while not done.is_set() and time.monotonic() < deadline:
            try:
                for key in awaiting_input(dag.dag_id):
                    if key not in answered:
                        answered.add(key)
                        respond(*key)
            except BaseException as exc:  # reported after the run
                errors.append(exc)
                return
            time.sleep(0.3)

    thread = threading.Thread(target=person, daemon=True)
    thread.start()
    try:
        dagrun = dag.test(run_conf=dict(conf or {}))
    finally:
        done.set()
        thread.join(timeout=10)
    if errors:
        raise errors[0]
    return RunReport(dag, dagrun)


class _User:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_id(self) -> str:
        return self.name

    def get_name(self) -> str:
        return self.name


def answer_hitl(dag_id: str, run_id: str, task_id: str, options: list[str], params_input=None, map_index=-1):
    """Record a response through the same code the HITL REST endpoint runs (no HTTP layer)."""
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.utils.session import create_session

    with create_session() as session:
        update_hitl_detail(
            dag_id=dag_id,
            dag_run_id=run_id,
            task_id=task_id,
            update_hitl_detail_payload=UpdateHITLDetailPayload(
                chosen_options=options, params_input=params_input or {}
            ),
            user=_User("reviewer"),
            session=session,
            map_index=map_index,
        )


def expire_hitl_timeouts() -> None:
    """Run the scheduler's AWAITING_INPUT timeout sweep once (dag.test() has no scheduler)."""
    import logging
    from types import SimpleNamespace

    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner

    SchedulerJobRunner.check_awaiting_input_timeouts(SimpleNamespace(log=logging.getLogger("sweep")))


NESTED_DAG_FILE = """\
# airflow DAG file written by tests/runtime/helpers.py: compiles the workflow YAML files of one
# folder, so a separate `airflow dags test` process (the child of a nested workflow) finds them.
from pathlib import Path

from attune_provider.compiler import compile_workflow
from attune_provider.spec.loader import load_workflow_file

for _path in sorted(Path({folder!r}).glob("*.yaml")):
    _dag = compile_workflow(load_workflow_file(_path))
    globals()[_dag.dag_id.replace(".", "__")] = _dag
"""


def install_nested_dag_file(dags_folder: Path, workflows_folder: Path) -> Path:
    path = dags_folder / "attune_test_nested_dags.py"
    path.write_text(NESTED_DAG_FILE.format(folder=str(workflows_folder)))
    return path
