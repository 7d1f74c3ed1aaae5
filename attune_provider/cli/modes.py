"""How ``attune-airflow run`` hands a workflow to Airflow: the rule, in one place.

* ``in-process`` -- Airflow's ``dag.test()`` in the CLI's process: cheapest per task instance
  (~0.1 s), no extra processes; task instances run one at a time, in the order ``dag.test()``
  picks them.
* ``airflow`` -- Airflow's own processes (scheduler with LocalExecutor, dag-processor,
  triggerer, api-server; :mod:`attune_provider.cli.components`), started for the run and stopped
  after it: items run in parallel up to ``concurrency``, and in item order at ``concurrency: 1``,
  child workflows run as their own DAG runs, inquiries wait for an answer and time out -- as in a
  deployment. Start-up costs seconds (docs/running.md has the figures).

Chosen: ``airflow`` when the workflow (or a child) needs what only a scheduler gives -- nested
workflows, inquiries, or a ``with_items`` task whose items must overlap (``concurrency`` > 1 with
at most :data:`PARALLEL_MAX_ITEMS` items known before the run) or keep their order
(``concurrency: 1`` with more than one item, or a count known only at run time). Otherwise
``in-process``. ``--serial`` / ``--parallel`` force one. A scheduler already running on the same
metadata DB overrides both (``deployment``: the CLI triggers the run for it, see run_cmd).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: above this many items (or when the count is only known at run time) overlapping items is not
#: worth Airflow's processes: each instance there is a task process (~0.4 s of CPU), so many
#: quick items (the main job's 1,000 health checks) are faster in-process on 2 cores
PARALLEL_MAX_ITEMS = 100


def workflow_concurrency(workflows: Iterable[Any]) -> int:
    """The most instances the workflows' ``concurrency`` settings let run at once (1 = serial)."""
    widths = [int(t.concurrency or 1) for w in workflows for t in w.tasks if t.with_items is not None]
    return max(widths, default=1)


def known_item_count(task: Any, workflow: Any, params: Mapping[str, Any]) -> int | None:
    """How many items ``with_items`` yields, when parameters and vars alone decide it (else None)."""
    from attune_provider.expressions import WorkflowContext, render

    try:
        items = render(task.with_items, WorkflowContext(parameters=params, variables=dict(workflow.vars)))
    except Exception:  # names a task result or an inquiry: only known at run time
        return None
    if isinstance(items, Sequence) and not isinstance(items, str | bytes):
        return len(items)
    return None


def _needs_airflow(workflow: Any, params: Mapping[str, Any], nested: bool) -> str | None:
    if nested:
        return "it runs child workflows"
    for task in workflow.tasks:
        if getattr(task, "wait_for", None):
            return f"task '{task.name}' waits for an inquiry"
    for task in workflow.tasks:
        if task.with_items is None:
            continue
        width = int(task.concurrency or 1)
        count = known_item_count(task, workflow, params)
        if width > 1 and count is not None and 1 < count <= PARALLEL_MAX_ITEMS:
            return f"task '{task.name}': {count} items at concurrency {width}"
        if width == 1 and (count is None or count > 1):
            shown = "items known only at run time" if count is None else f"{count} items"
            return f"task '{task.name}': {shown} at concurrency 1 run one by one in item order"
    return None


def choose_mode(
    workflow: Any, params: Mapping[str, Any], *, nested: bool, serial: bool, parallel: bool
) -> tuple[str, str]:
    """("in-process" | "airflow", why) for this run."""
    if serial:
        blocker = _needs_airflow(workflow, {}, nested)
        if blocker is not None and ("child" in blocker or "inquiry" in blocker):
            from attune_provider.cli.errors import CliError

            raise CliError(f"--serial cannot run {workflow.ref}: {blocker}, which needs Airflow's scheduler")
        return "in-process", "--serial"
    if parallel:
        return "airflow", "--parallel"
    why = _needs_airflow(workflow, dict(params), nested)
    if why is not None:
        return "airflow", why
    return "in-process", (
        "no nested workflow, inquiry, ordered items or up to "
        f"{PARALLEL_MAX_ITEMS} items to overlap (--parallel forces Airflow's processes)"
    )
