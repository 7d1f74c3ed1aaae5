"""The compiled shape of a workflow: which Airflow steps each attune task became.

Compiler and runtime share this one description so a gate knows which task ids hold the
routing decisions it must read, and the end task knows where every result lives. Built once
per compile; frozen, so it can be shared by every operator of the DAG.

Steps of one attune task ``t`` (all inside the TaskGroup ``t``):

* ``t.gate``    only for with_items, wait_for and ``join`` tasks: selection check (and items);
                for ``join`` a reschedule-mode sensor that starts the task once N decided
* ``t.inquiry`` only for wait_for tasks: Airflow's human-in-the-loop operator
* ``t.run``     the action; for unmapped tasks it also does the selection check and the
                routing (gate and route merged into it: one task instance per task)
* ``t.route``   only for with_items tasks with transitions (outcome over all items, routing)
                and nested workflows (the child's result, routing)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from attune_provider.runtime.records import ERROR_KEY, ITEMS_KEY, ROUTE_KEY  # noqa: F401  (moved to records)
from attune_provider.spec.graph import entry_points
from attune_provider.spec.model import TaskSpec, WorkflowSpec

GATE = "gate"
INQUIRY = "inquiry"
RUN = "run"
ROUTE = "route"


@dataclass(frozen=True)
class TaskPlan:
    """How one attune task runs; ids are full Airflow task ids (``<task>.<step>``)."""

    spec: TaskSpec
    inbound: tuple[str, ...]  # attune tasks with a forward edge into this one, document order
    targets: tuple[str, ...]  # forward targets (back edges dropped)
    mapped: bool
    nested: bool
    action: Any = None  # resolved Action, or None for nested workflows resolved by ref
    # no inbound edge at all (self and cycle edges count): starts with the run. A task whose
    # inbound edges were all dropped back edges has ``inbound == ()`` but is no entry: never runs
    entry: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def has_inquiry(self) -> bool:
        return self.spec.wait_for is not None

    @property
    def joins(self) -> bool:
        """``join: N`` over forward inbound edges: a polling gate starts it once N decided."""
        return bool(self.spec.join) and bool(self.inbound)

    @property
    def has_gate(self) -> bool:
        return self.mapped or self.has_inquiry or self.joins

    @property
    def has_route(self) -> bool:
        # nested: the child's result is only known after the run step ended (runtime.nested)
        return (self.mapped and bool(self.spec.next)) or self.nested

    @property
    def routes_in_run(self) -> bool:
        return not self.mapped and not self.nested and bool(self.spec.next)

    def step_id(self, step: str) -> str:
        return f"{self.name}.{step}"

    @property
    def gate_id(self) -> str:
        return self.step_id(GATE)

    @property
    def inquiry_id(self) -> str:
        return self.step_id(INQUIRY)

    @property
    def run_id(self) -> str:
        return self.step_id(RUN)

    @property
    def route_id(self) -> str:
        return self.step_id(ROUTE)

    @property
    def decider_id(self) -> str | None:
        """The task id whose ``ROUTE_KEY`` XCom holds this task's routing decision."""
        if self.has_route:
            return self.route_id
        if self.routes_in_run:
            return self.run_id
        return None

    @property
    def result_id(self) -> str:
        """Where an unmapped task's stored result lives (return_value XCom)."""
        return self.route_id if self.nested else self.run_id

    def step_ids(self) -> tuple[str, ...]:
        ids = []
        if self.has_gate:
            ids.append(self.gate_id)
        if self.has_inquiry:
            ids.append(self.inquiry_id)
        ids.append(self.run_id)
        if self.has_route:
            ids.append(self.route_id)
        return tuple(ids)


@dataclass(frozen=True, repr=False)
class WorkflowPlan:
    """The compiled workflow; mapped operators carry it in ``partial_kwargs``.

    The short ``repr`` matters: DAG serialization stores unknown partial kwargs as their text, so
    a dataclass repr of the whole workflow would be copied into every mapped task's JSON.
    """

    workflow: WorkflowSpec
    tasks: Mapping[str, TaskPlan]
    end_id: str
    max_map_length: int = 1024

    @property
    def dag_id(self) -> str:
        return self.workflow.ref

    def __getitem__(self, name: str) -> TaskPlan:
        return self.tasks[name]

    def __repr__(self) -> str:
        return f"<attune workflow plan {self.dag_id}>"

    def all_step_ids(self) -> list[str]:
        return [step for plan in self.tasks.values() for step in plan.step_ids()]


def end_task_id(task_names: tuple[str, ...] | list[str]) -> str:
    """``end``, unless an attune task already owns that id as its group name."""
    return "attune_end" if "end" in task_names else "end"


def is_nested(task: TaskSpec, action: Any) -> bool:
    return task.type == "workflow" or getattr(action, "kind", None) == "workflow"


def build_plan(
    workflow: WorkflowSpec,
    actions: Mapping[str, Any],
    *,
    max_map_length: int = 1024,
) -> WorkflowPlan:
    """Plan every task: inbound sources from forward edges, merged/split steps."""
    inbound: dict[str, dict[str, None]] = {name: {} for name in workflow.task_names}
    targets: dict[str, dict[str, None]] = {name: {} for name in workflow.task_names}
    for source, target, _ in workflow.forward_edges():
        inbound[target].setdefault(source, None)
        targets[source].setdefault(target, None)
    entries = set(entry_points(workflow.tasks))
    tasks: dict[str, TaskPlan] = {}
    for task in workflow.tasks:
        action = actions.get(task.action) if task.action else None
        tasks[task.name] = TaskPlan(
            spec=task,
            inbound=tuple(inbound[task.name]),
            targets=tuple(targets[task.name]),
            mapped=task.with_items is not None or task.iterate_cache is not None,
            nested=is_nested(task, action),
            action=action,
            entry=task.name in entries,
        )
    return WorkflowPlan(
        workflow=workflow,
        tasks=MappingProxyType(tasks),
        end_id=end_task_id(workflow.task_names),
        max_map_length=max_map_length,
    )
