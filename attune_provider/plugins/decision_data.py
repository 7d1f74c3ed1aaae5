"""What an attune task decided, for the Attune result tab: outcome, error and the transition taken.

The step that routes an attune task (``<task>.run`` unmapped, ``<task>.route`` for with_items and
nested tasks) pushes a :class:`~attune_provider.runtime.records.RouteDecision` under
``ROUTE_KEY``; it is small and inline, so reading it is one XCom row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from attune_provider.runtime.plan import ROUTE, RUN
from attune_provider.runtime.records import ROUTE_KEY, RouteDecision

ROUTING_NO_RESULT = (
    "A routing task produces no result: it decides which attune tasks run next "
    "(its decision is shown below; the items' results are on the run task)."
)


@dataclass
class Decision:
    decider: str  # the Airflow task id that routed
    outcome: str
    error: str | None
    selected: list[str]

    @property
    def handled_failure(self) -> bool:
        """A failure some transition answered (the run goes on: shown as handled)."""
        return self.outcome != "succeeded" and bool(self.selected)


def attune_task_name(task_id: str) -> str | None:
    """``check_health.run`` -> ``check_health``; None for ids that are not attune steps."""
    name, dot, step = task_id.rpartition(".")
    return name if dot and step in ("gate", "inquiry", RUN, ROUTE) else None


def is_routing_task(task_id: str) -> bool:
    return task_id.rpartition(".")[2] == ROUTE and attune_task_name(task_id) is not None


def _decoded(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def task_decision(dag_id: str, run_id: str, task_id: str) -> Decision | None:
    """The decision of the attune task ``task_id`` belongs to (None: not routed yet / none)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    name = attune_task_name(task_id)
    if name is None:
        return None
    deciders = [f"{name}.{RUN}", f"{name}.{ROUTE}"]
    with create_session() as session:
        rows = session.execute(
            select(XComModel.task_id, XComModel.value).where(
                XComModel.dag_id == dag_id,
                XComModel.run_id == run_id,
                XComModel.task_id.in_(deciders),
                XComModel.map_index == -1,
                XComModel.key == ROUTE_KEY,
            )
        ).all()
    for decider, raw in rows:
        decision = RouteDecision.from_xcom(_decoded(raw))
        if decision is not None:
            return Decision(decider, decision.outcome, decision.error, list(decision.selected))
    return None


def run_decisions(session: Any, dag_id: str, run_id: str) -> list[Decision]:
    """Every routed attune task's decision in one run (for the run note), in task id order."""
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    rows = session.execute(
        select(XComModel.task_id, XComModel.value)
        .where(XComModel.dag_id == dag_id, XComModel.run_id == run_id, XComModel.key == ROUTE_KEY)
        .order_by(XComModel.task_id)
    ).all()
    out = []
    for decider, raw in rows:
        decision = RouteDecision.from_xcom(_decoded(raw))
        if decision is not None:
            out.append(Decision(decider, decision.outcome, decision.error, list(decision.selected)))
    return out
