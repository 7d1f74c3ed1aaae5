"""Gates: the first step of with_items, wait_for and ``join`` tasks (docs/graph-semantics.md).

A gate decides whether its task starts (``runtime.selection``) and, for with_items, renders
the items the run step is mapped over. The gate of a ``join: N`` task is a reschedule-mode
sensor with trigger rule ``always``: it starts with the run, frees its worker slot between
pokes, and succeeds as soon as N inbound predecessors completed and one selected the task,
while the remaining predecessors may still be running.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from attune_provider.config import OPTIONS
from attune_provider.expressions import ExpressionError
from attune_provider.runtime.context import build_context
from attune_provider.runtime.inputs import render_items
from attune_provider.runtime.items import chunk_units, make_units
from attune_provider.runtime.operators import AttuneStep
from attune_provider.runtime.records import ERROR_KEY, ITEMS_KEY, ItemsMeta
from attune_provider.runtime.selection import SKIP, START, arrivals, verdict

#: seconds between two pokes of a join gate (``[attune] join_poke_interval``)
DEFAULT_JOIN_POKE_INTERVAL = float(OPTIONS["join_poke_interval"].default)


def map_items(step: AttuneStep, context: Any) -> list[Any] | None:
    """The units a with_items task's run is mapped over (None for unmapped tasks)."""
    task = step.task_plan
    if not task.mapped:
        return None
    ti = context["ti"]
    ctx = build_context(step.workflow_plan, context)
    try:
        items = render_items(task, ctx)
    except (ExpressionError, TypeError, ValueError) as exc:
        message = str(exc)
        ti.xcom_push(key=ERROR_KEY, value=message)
        raise AirflowFailException(message) from exc
    units = make_units(items, task.spec.batch_size)
    mapped, chunk = chunk_units(units, step.workflow_plan.max_map_length)
    ti.xcom_push(key=ITEMS_KEY, value=ItemsMeta(len(units), chunk, len(items)).to_xcom())
    step.log.info(
        "attune: task '%s' maps over %d item(s) in %d instance(s)", task.name, len(items), len(mapped)
    )
    return mapped if isinstance(mapped, list) else list(mapped)


class AttuneGateOperator(AttuneStep):
    """Selection check for with_items / wait_for tasks; returns the units to map over."""

    ui_color = "#f3f3f3"

    def execute(self, context: Any) -> Any:
        self.check_selected(context)
        return map_items(self, context)


class AttuneJoinGateOperator(BaseSensorOperator, AttuneStep):
    """``join: N``: pokes the inbound decisions until N arrived (then maps the items, if any)."""

    ui_color = "#f3f3f3"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("mode", "reschedule")
        kwargs.setdefault("poke_interval", DEFAULT_JOIN_POKE_INTERVAL)
        super().__init__(**kwargs)

    def poke(self, context: Any) -> bool | PokeReturnValue:
        task = self.task_plan
        seen = arrivals(context["ti"], self.workflow_plan, task)
        result = verdict(task, seen)
        if result.action == SKIP:
            self.log.info("attune: skipped: %s", result.reason)
            raise AirflowSkipException(result.reason)
        if result.action != START:
            self.log.info("attune: waiting: %s", result.reason)
            return False
        self.log.info(
            "attune: join: %d met (%d inbound predecessor(s) completed, %d still pending)",
            task.spec.join,
            seen.completed,
            seen.pending,
        )
        return PokeReturnValue(True, xcom_value=map_items(self, context))
