"""WorkflowSpec -> airflow.sdk.DAG (reference 2-8).

Per attune task a TaskGroup named after it holding its steps (see ``runtime.plan``); one
``end`` task downstream of every task's last step is the DAG's only leaf. Actions are
resolved once per distinct ref before any operator is built, and nothing heavy happens per
task, so compiling hundreds of workflows per parse stays cheap.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseOperator, Label, TaskGroup
from airflow.sdk.definitions.param import ParamsDict

from attune_provider.compiler.dag_class import AttuneDAG, hashed_by_identity
from attune_provider.compiler.doc import workflow_doc
from attune_provider.compiler.errors import CompileError
from attune_provider.compiler.params import build_params
from attune_provider.compiler.schedules import timer_dag_kwargs
from attune_provider.runtime.gate import AttuneGateOperator, AttuneJoinGateOperator
from attune_provider.runtime.operators import (
    MAP_INDEX_TEMPLATE,
    AttuneEndOperator,
    AttuneItemOperator,
    AttuneRouteOperator,
    AttuneRunOperator,
)
from attune_provider.runtime.plan import GATE, INQUIRY, ROUTE, RUN, TaskPlan, WorkflowPlan, build_plan
from attune_provider.runtime.retry import operator_retry_kwargs
from attune_provider.spec.codes import UNSUPPORTED
from attune_provider.spec.graph import transition_label
from attune_provider.spec.model import Location, TaskSpec, WorkflowSpec
from attune_provider.xcom.scope import mark_compiled

log = logging.getLogger(__name__)

_ID = re.compile(r"^[A-Za-z0-9_-]+$")
ALL_DONE = "all_done"
ALWAYS = "always"
#: longest edge label drawn in Airflow's graph view (the full text is in the DAG docs)
LABEL_LIMIT = 40


def _where(spec: WorkflowSpec, task: TaskSpec | None = None) -> Location:
    if task is not None and task.location is not None:
        return task.location
    return Location(str(spec.source_file or spec.action_file or spec.ref))


def _check_supported(spec: WorkflowSpec) -> None:
    for task in spec.tasks:
        if not _ID.match(task.name):
            raise CompileError(
                f"workflow '{spec.ref}': task name '{task.name}' cannot be an Airflow task id",
                _where(spec, task),
                "use letters, digits, '_' and '-' only",
            )
        if (task.with_items is not None or task.iterate_cache is not None) and task.type == "workflow":
            raise CompileError(
                f"workflow '{spec.ref}': task '{task.name}': with_items over a nested workflow is not supported",
                _where(spec, task),
                code=UNSUPPORTED,
            )
        if task.when is not None:
            log.warning(
                "%s: task '%s': task-level 'when' is parsed but never executed", _where(spec, task), task.name
            )
        if task.type == "parallel":
            log.warning(
                "%s: task '%s': 'type: parallel' is parsed but never executed", _where(spec, task), task.name
            )


def _registry_for(spec: WorkflowSpec) -> Any:
    """The shared registry of the workflow's pack and the configured folders (actions.registries)."""
    from attune_provider.actions.registries import registry_for_workflow

    return registry_for_workflow(spec)


def _resolve_actions(spec: WorkflowSpec, registry: Any) -> dict[str, Any]:
    from attune_provider.actions.registry import UnknownActionError

    actions: dict[str, Any] = {}
    for task in spec.tasks:
        ref = task.action
        if ref is None:
            if task.type == "workflow":
                raise CompileError(
                    f"workflow '{spec.ref}': nested workflow task '{task.name}' names no action (the child's ref)",
                    _where(spec, task),
                )
            if task.type == "parallel":
                continue
            raise CompileError(f"workflow '{spec.ref}': task '{task.name}' has no action", _where(spec, task))
        if ref in actions or task.type == "workflow":
            continue
        try:
            actions[ref] = registry.resolve(ref)
        except UnknownActionError as exc:
            source = spec.source_file or spec.action_file
            raise CompileError(
                f"workflow '{spec.ref}' ({source}): task '{task.name}': {exc}", _where(spec, task)
            ) from exc
        _check_runtime(spec, task, actions[ref])
    return actions


def _check_runtime(spec: WorkflowSpec, task: TaskSpec, action: Any) -> None:
    """A pack action whose runtime this host lacks never becomes a task (docs/actions.md)."""
    from attune_provider.actions.pack_runner import PackAction, PackActionError

    if isinstance(action, PackAction):
        try:
            action.runtime()
        except PackActionError as exc:
            raise CompileError(f"workflow '{spec.ref}': task '{task.name}': {exc}", _where(spec, task)) from exc


def _join_poke_interval() -> float:
    from attune_provider import config

    return config.join_poke_interval()


def _max_map_length() -> int:
    from airflow.configuration import conf

    return conf.getint("core", "max_map_length", fallback=1024)


def _dag_kwargs(spec: WorkflowSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    settings = spec.airflow
    tags = list(dict.fromkeys([*spec.tags, *(settings.tags if settings else ())]))
    kwargs: dict[str, Any] = {
        "dag_id": spec.ref,
        "description": spec.label or spec.description,
        "doc_md": workflow_doc(spec),
        "tags": tags,
        "schedule": None,
        "catchup": False,
        "render_template_as_native_obj": False,
    }
    default_args: dict[str, Any] = {"owner": "attune"}
    if settings is not None:
        kwargs["schedule"] = settings.schedule
        if settings.start_date is not None:
            kwargs["start_date"] = settings.start_date
        kwargs["catchup"] = bool(settings.catchup)
        if settings.max_active_runs is not None:
            kwargs["max_active_runs"] = settings.max_active_runs
        if settings.dagrun_timeout is not None:
            timeout = settings.dagrun_timeout
            kwargs["dagrun_timeout"] = (
                timeout if isinstance(timeout, timedelta) else timedelta(seconds=float(timeout))
            )
        if settings.owner:
            default_args["owner"] = settings.owner
        if settings.pool:
            default_args["pool"] = settings.pool
        if settings.queue:
            default_args["queue"] = settings.queue
        if settings.timer is not None:  # a timer rule's DAG (spec/rules.py)
            kwargs.update(timer_dag_kwargs(settings.timer))
        if settings.paused is not None:
            kwargs["is_paused_upon_creation"] = settings.paused
    kwargs["default_args"] = default_args
    return kwargs


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the operators are built.

    A build allocates a few hundred objects per task, all of them alive until the end (the
    DAG holds them); each automatic collection walks every one of them again, which made a
    20,000-task compile 1.6x slower per task than a 4,000-task one. Collection resumes (and
    catches up) as soon as the build ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Builder:
    """Creates the operators of one workflow inside the open DAG context."""

    def __init__(self, plan: WorkflowPlan) -> None:
        self.plan = plan
        spec = plan.workflow
        self.default_retries = spec.airflow.default_retries if spec.airflow else None
        self.first: dict[str, Any] = {}
        self.last: dict[str, Any] = {}
        self.decider: dict[str, Any] = {}
        self.poke_interval = _join_poke_interval()

    def common(self, task: TaskPlan) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"workflow_plan": self.plan, "attune_task": task.name, "retries": 0}
        if task.spec.queue:
            kwargs["queue"] = task.spec.queue
        return kwargs

    def run_kwargs(self, task: TaskPlan) -> dict[str, Any]:
        kwargs = self.common(task)
        kwargs.update(operator_retry_kwargs(task.spec.retry, self.default_retries))
        return kwargs

    def add(self, task: TaskPlan) -> None:
        with TaskGroup(group_id=task.name, tooltip=f"attune task {task.name} ({task.spec.action})"):
            gate: AttuneGateOperator | AttuneJoinGateOperator | None = None
            inquiry: Any = None
            route: Any = None
            inbound_rule = ALL_DONE if task.inbound else "all_success"
            if task.joins:
                # polls the inbound decisions itself: starts with the run, not after them all
                gate = AttuneJoinGateOperator(
                    task_id=GATE, trigger_rule=ALWAYS, poke_interval=self.poke_interval, **self.common(task)
                )
            elif task.has_gate:
                gate = AttuneGateOperator(task_id=GATE, trigger_rule=inbound_rule, **self.common(task))
            if task.has_inquiry:
                from attune_provider.runtime.inquiry import inquiry_operator

                inquiry = inquiry_operator(self.plan, task, task_id=INQUIRY)
                if gate is not None:
                    gate >> inquiry
            run: Any
            if task.mapped:
                if gate is None:
                    raise CompileError(
                        f"task '{task.name}': with_items needs a gate to render its items",
                        _where(self.plan.workflow, task.spec),
                    )
                kwargs = self.run_kwargs(task)
                kwargs["max_active_tis_per_dagrun"] = max(int(task.spec.concurrency or 1), 1)
                run = AttuneItemOperator.partial(
                    task_id=RUN, map_index_template=MAP_INDEX_TEMPLATE, **kwargs
                ).expand(item=gate.output)
                if inquiry is not None:
                    inquiry >> run
            else:
                rule = ALL_DONE if (task.inbound or task.has_gate) else "all_success"
                operator: type[BaseOperator] = AttuneRunOperator
                if task.nested:
                    from attune_provider.runtime.nested import AttuneNestedOperator

                    operator = AttuneNestedOperator
                run = operator(task_id=RUN, trigger_rule=rule, **self.run_kwargs(task))
                if inquiry is not None:
                    inquiry >> run
                elif gate is not None:
                    gate >> run
            if task.has_route:
                route = AttuneRouteOperator(task_id=ROUTE, trigger_rule=ALL_DONE, **self.common(task))
                run >> route
        self.first[task.name] = gate if gate is not None else run
        self.last[task.name] = route if route is not None else run
        self.decider[task.name] = route if route is not None else run

    def wire(self) -> None:
        """One Airflow edge per (source, target), labelled with the transitions' conditions."""
        labels: dict[tuple[str, str], list[str]] = {}
        for source, target, transition in self.plan.workflow.forward_edges():
            texts = labels.setdefault((source, target), [])
            text = transition_label(transition)
            if text and text not in texts:
                texts.append(text)
        for (source, target), texts in labels.items():
            upstream, downstream = self.decider[source], self.first[target]
            label = " | ".join(texts)
            if len(label) > LABEL_LIMIT:
                label = label[: LABEL_LIMIT - 1] + "…"
            if label:
                upstream >> Label(label) >> downstream
            else:
                upstream >> downstream

    def end(self) -> Any:
        """``end`` after every task, drawn from the tasks that lead nowhere (the graph's sinks).

        Every other task's last step is upstream of some sink's first step (``all_done``), so
        the sinks finish last and the fan of edges into ``end`` stays small. A join gate does
        not wait for its inbound tasks, so those are wired to ``end`` directly.
        """
        end = AttuneEndOperator(
            task_id=self.plan.end_id, trigger_rule=ALL_DONE, workflow_plan=self.plan, retries=0
        )
        tasks = self.plan.tasks
        for name, last in self.last.items():
            targets = tasks[name].targets
            if not targets or any(tasks[target].joins for target in targets):
                last >> end
        return end


def compile_workflow(
    spec: WorkflowSpec,
    *,
    registry: Any = None,
    max_map_length: int | None = None,
) -> AttuneDAG:
    """Build the Airflow DAG of one loaded workflow; raises :class:`CompileError`."""
    _check_supported(spec)
    actions = _resolve_actions(spec, registry if registry is not None else _registry_for(spec))
    plan = build_plan(spec, actions, max_map_length=max_map_length or _max_map_length())
    if spec.airflow is not None and (spec.airflow.schedule is not None or spec.airflow.timer is not None):
        required = [n for n, p in spec.parameters.items() if p.required and not p.has_default]
        if required:
            raise CompileError(
                f"workflow '{spec.ref}' has an airflow.schedule but required parameters without a default: "
                + ", ".join(f"'{name}'" for name in required),
                _where(spec),
                "scheduled runs get no input: give those parameters a default",
            )
    try:
        params = build_params(spec.parameters)
        dag = AttuneDAG(**_dag_kwargs(spec, params))
    except CompileError:
        raise
    except Exception as exc:
        raise CompileError(f"workflow '{spec.ref}': {exc}", _where(spec)) from exc
    builder = _Builder(plan)
    try:
        with _gc_paused(), hashed_by_identity(dag), dag:
            for task in plan.tasks.values():
                builder.add(task)
            builder.wire()
            builder.end()
        # set after the operators exist: Airflow deep-copies DAG params into every operator
        # built while they are set, the most expensive part of a compile; at run time
        # ``process_params`` merges the DAG's params anyway
        dag.params = ParamsDict(dict(params))
    except CompileError:
        raise
    except Exception as exc:
        raise CompileError(f"workflow '{spec.ref}': cannot build the DAG: {exc}", _where(spec)) from exc
    dag.attune_plan = plan  # type: ignore[attr-defined]
    mark_compiled(dag.dag_id)
    return dag
