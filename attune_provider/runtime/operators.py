"""The operators a compiled workflow runs: run, route, end (gates: ``runtime.gate``).

Every operator holds the frozen :class:`WorkflowPlan` and the attune task's name; nothing
of it is serialized (the worker rebuilds the DAG from the same YAML), so the plan is kept in
plain attributes, and the one kwarg mapped over (``item``) is the only per-instance value.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from attune_provider.actions.masking import SecretMasker, known_secrets, secret_strings
from attune_provider.actions.result import ActionResult
from attune_provider.expressions import ExpressionError
from attune_provider.runtime.context import build_context
from attune_provider.runtime.inputs import render_input, render_timeout
from attune_provider.runtime.items import item_label, unpack_chunk
from attune_provider.runtime.outcome import FAILED_OUTCOME, SUCCEEDED, task_outcome
from attune_provider.runtime.plan import TaskPlan, WorkflowPlan
from attune_provider.runtime.rendered_input import input_outside_a_run
from attune_provider.runtime.results import task_result
from attune_provider.runtime.retry import is_final_try, retry_delay_seconds
from attune_provider.runtime.routing import route
from attune_provider.runtime.selection import selection
from attune_provider.runtime.states import FAILED, SUCCESS, read_states

LABEL_CONTEXT_KEY = "attune_item_label"
MAP_INDEX_TEMPLATE = "{{ attune_item_label }}"


class AttuneTaskFailed(AirflowException):
    """The action failed or timed out (its result was pushed first); retried per ``retry``."""


class AttuneStep(BaseOperator):
    """Common base: the plan, the attune task, and context building.

    ``attune_input`` is the action's input as rendered by attune's engine (secrets masked). It
    is a template field that Airflow's Jinja never touches (it is None until ``execute``), and
    ``overwrite_rtif_after_execution`` makes the task runner store it as the instance's
    rendered fields after ``execute`` (Airflow's Rendered Templates tab and REST API).
    """

    ui_color = "#e8f1fb"
    template_fields: Sequence[str] = ("attune_input",)
    template_fields_renderers = {"attune_input": "json"}
    overwrite_rtif_after_execution = True

    def __init__(self, *, workflow_plan: WorkflowPlan, attune_task: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.workflow_plan = workflow_plan
        self.attune_task = attune_task
        self.attune_input: Any = None

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        """Airflow's Jinja leaves ``attune_input`` alone; outside a run (``airflow tasks render``)
        it shows the input the instance got, as stored, or says it has not run yet."""
        super().render_template_fields(context, jinja_env)
        if self.attune_input is None:
            self.attune_input = input_outside_a_run(context.get("ti"))

    def record_input(self, params: Mapping[str, Any], secrets: Sequence[str], unit: int | None = None) -> None:
        """Keep the rendered input for Airflow's rendered fields (per unit in a chunk)."""
        masked = SecretMasker(secrets).redact_value(dict(params))
        if unit is None:
            self.attune_input = masked
        else:
            if not isinstance(self.attune_input, dict):
                self.attune_input = {}
            self.attune_input[str(unit)] = masked

    @property
    def task_plan(self) -> TaskPlan:
        if self.attune_task is None:
            raise AirflowFailException(f"{self.task_id}: built without an attune task")
        return self.workflow_plan.tasks[self.attune_task]

    def workflow_secrets(self, ctx: Any) -> list[str]:
        """Values of the workflow's ``secret: true`` parameters, defaults included, read from the
        built context (the compiled DAG keeps secret defaults off its params, so Airflow's task
        context alone cannot name them), plus every other secret this task process has read
        (keystore values, decrypted secret variables: ``masking.remember_secret``)."""
        return [*secret_strings(self.workflow_plan.workflow.parameters, ctx.parameters), *known_secrets()]

    def check_selected(self, context: Mapping[str, Any]) -> None:
        reason = selection(context["ti"], self.workflow_plan, self.task_plan)
        if reason is not None:
            self.log.info("attune: skipped: %s", reason)
            raise AirflowSkipException(reason)


def execute_action(
    task: TaskPlan,
    ctx: Any,
    context: Mapping[str, Any],
    log: Any,
    secrets: Sequence[str] = (),
    unit: int | None = None,
) -> ActionResult:
    """Render and run once; rendering errors become a failed result (routable by failed()).
    The rendered input is handed to the operator (``record_input``) before the action runs."""
    if task.action is None:  # type: parallel -- parsed, never executed (reference 3)
        log.warning(
            "attune: task '%s' (type: %s) is not executed; it counts as succeeded", task.name, task.spec.type
        )
        return ActionResult.success(None)
    try:
        params = render_input(task, ctx)
        timeout = render_timeout(task, ctx)
    except (ExpressionError, TypeError, ValueError) as exc:
        log.error("attune: %s", exc)
        return ActionResult.failure(str(exc))
    operator = context.get("task")
    if isinstance(operator, AttuneStep):
        operator.record_input(params, secrets, unit)
    return task.action.run(params, timeout=timeout, context=context, log=log, secrets=secrets)


class AttuneRunOperator(AttuneStep):
    """An unmapped attune task: selection check, the action, and its routing, in one instance."""

    def execute(self, context: Any) -> Any:
        task = self.task_plan
        ti = context["ti"]
        inquiry_failed = False
        if task.has_gate:
            states = read_states(ti, [task.gate_id, task.inquiry_id])
            if states.state(task.gate_id) != SUCCESS:
                raise AirflowSkipException(f"gate of task '{task.name}' did not select it")
            inquiry_failed = task.has_inquiry and states.state(task.inquiry_id) != SUCCESS
        else:
            self.check_selected(context)
        ctx = build_context(self.workflow_plan, context)
        if inquiry_failed:
            result = ActionResult.timeout(f"inquiry of task '{task.name}' was not answered in time")
        else:
            result = self.run_action(task, ctx, context)
        return self.finish(task, ctx, context, result)

    def run_action(self, task: TaskPlan, ctx: Any, context: Mapping[str, Any]) -> ActionResult:
        return execute_action(task, ctx, context, self.log, self.workflow_secrets(ctx))

    def finish(self, task: TaskPlan, ctx: Any, context: Mapping[str, Any], result: ActionResult) -> Any:
        stored = result.to_dict()
        ti = context["ti"]
        if result.succeeded:
            if task.routes_in_run:
                route(self.workflow_plan, task, context, ctx, SUCCEEDED, stored, None, self.log)
            return stored
        ti.xcom_push(key="return_value", value=stored)
        if is_final_try(ti) and task.routes_in_run:
            route(self.workflow_plan, task, context, ctx, str(result.outcome), stored, result.error, self.log)
        raise AttuneTaskFailed(f"task '{task.name}' {result.outcome}: {result.error}")


class AttuneItemOperator(AttuneStep):
    """One with_items instance: ``item`` is its unit (or an automatic chunk of units)."""

    def __init__(self, *, item: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item = item

    def execute(self, context: Any) -> Any:
        task = self.task_plan
        ti = context["ti"]
        index = int(ti.map_index)
        context[LABEL_CONTEXT_KEY] = item_label(self.item, index)
        ctx = build_context(self.workflow_plan, context)
        chunk = unpack_chunk(self.item)
        if chunk is None:
            result = execute_action(
                task, ctx.with_item(self.item, index), context, self.log, self.workflow_secrets(ctx)
            )
            stored = result.to_dict()
            if result.succeeded:
                return stored
            ti.xcom_push(key="return_value", value=stored)
            raise AttuneTaskFailed(f"item {index} of task '{task.name}' {result.outcome}: {result.error}")
        start, units = chunk
        results = [
            self._run_with_retries(task, ctx.with_item(unit, start + j), context, start + j)
            for j, unit in enumerate(units)
        ]
        stored_list = [r.to_dict() for r in results]
        failed = [start + j for j, r in enumerate(results) if not r.succeeded]
        if not failed:
            return stored_list
        ti.xcom_push(key="return_value", value=stored_list)
        # per-item retries already ran in-process; retrying the chunk would repeat good items
        raise AirflowFailException(f"items {failed} of task '{task.name}' failed")

    def _run_with_retries(
        self, task: TaskPlan, ctx: Any, context: Mapping[str, Any], unit: int
    ) -> ActionResult:
        policy = task.spec.retry
        secrets = self.workflow_secrets(ctx)
        result = execute_action(task, ctx, context, self.log, secrets, unit)
        if policy is None:
            return result
        for retry_number in range(1, 1 + policy.count):
            if result.succeeded:
                break
            time.sleep(retry_delay_seconds(policy, retry_number))
            result = execute_action(task, ctx, context, self.log, secrets, unit)
        return result


class AttuneRouteOperator(AttuneStep):
    """Outcome over all items of a with_items task, then its transitions."""

    ui_color = "#fff4dd"

    def execute(self, context: Any) -> Any:
        task = self.task_plan
        ti = context["ti"]
        states = read_states(ti, list(task.step_ids()))
        if task.nested:
            return self._route_nested(task, context, states)
        outcome = task_outcome(ti, task, states)
        if not outcome.ran:
            raise AirflowSkipException(f"task '{task.name}' did not run")
        ctx = build_context(self.workflow_plan, context)
        result = task_result(ti, task)
        if result is None:
            result = []
        status = outcome.status or FAILED_OUTCOME  # ran, so a status exists; never route on None
        route(self.workflow_plan, task, context, ctx, status, result, outcome.error, self.log)
        return None

    def _route_nested(self, task: TaskPlan, context: Any, states: Any) -> Any:
        from attune_provider.runtime.nested import child_result

        ti = context["ti"]
        state = states.state(task.run_id)
        if state not in (SUCCESS, FAILED):
            raise AirflowSkipException(f"task '{task.name}' did not run")
        stored = child_result(ti, task, state == SUCCESS)
        ti.xcom_push(key="return_value", value=stored)
        ctx = build_context(self.workflow_plan, context)
        route(self.workflow_plan, task, context, ctx, stored["outcome"], stored, stored["error"], self.log)
        return None


class AttuneEndOperator(AttuneStep):
    """The single leaf: fails the run on an unhandled failure, else renders ``output_map``."""

    ui_color = "#e3f5e1"

    def execute(self, context: Any) -> Any:
        from attune_provider.runtime.end import finish_run

        return finish_run(self.workflow_plan, context, self.log)
