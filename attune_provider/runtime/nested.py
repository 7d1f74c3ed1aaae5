"""Nested workflows (``type: workflow``, or an action that is itself a workflow; reference 3).

The child runs as its own DAG run: ``t.run`` is a ``TriggerDagRunOperator`` (standard
provider) that waits for completion *deferred* (the triggerer polls the child run, so the waiting
parent holds no worker slot), with the child's ref as DAG id and the rendered input as conf. A
child DAG that Airflow does not know fails the task before triggering, with an error naming it. In Airflow 3 the trigger-and-wait happens in the task runner after ``execute`` raised,
so no code of ours runs after the child ends; the nested task therefore always has a
``t.route`` step, which reads the child's result (the return value of the child's end task)
into the task result, and then routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk.exceptions import AirflowSkipException

from attune_provider.actions.result import ActionResult
from attune_provider.expressions import ExpressionError
from attune_provider.runtime.inputs import render_input
from attune_provider.runtime.plan import TaskPlan, WorkflowPlan, end_task_id
from attune_provider.runtime.selection import selection
from attune_provider.runtime.states import pull

CHILD_END_IDS = ("end", end_task_id(["end"]))
TRIGGER_RUN_ID_KEY = "trigger_run_id"  # pushed by Airflow's task runner after triggering
CHILD_ERROR_KEY = "attune_child_error"  # why the child could not be started


class AttuneNestedOperator(TriggerDagRunOperator):
    """Selection check, conf rendered from ``input``, then trigger the child and wait."""

    template_fields = ()  # conf holds attune templates; rendered in execute()
    ui_color = "#ede7f6"

    def __init__(self, *, workflow_plan: WorkflowPlan, attune_task: str, **kwargs: Any) -> None:
        task = workflow_plan.tasks[attune_task]
        if not task.spec.action:
            raise ValueError(f"nested task '{attune_task}' names no child workflow")
        super().__init__(
            trigger_dag_id=task.spec.action,
            wait_for_completion=True,
            poke_interval=1,
            deferrable=True,
            allowed_states=["success"],
            failed_states=["failed"],
            **kwargs,
        )
        self.workflow_plan = workflow_plan
        self.attune_task = attune_task

    def execute(self, context: Any) -> Any:
        from attune_provider.runtime.context import build_context

        task = self.workflow_plan.tasks[self.attune_task]
        reason = selection(context["ti"], self.workflow_plan, task)
        if reason is not None:
            raise AirflowSkipException(reason)
        ctx = build_context(self.workflow_plan, context)
        try:
            conf = render_input(task, ctx)
        except ExpressionError:
            raise
        # the child's dag_run.conf never holds a secret in clear (issue 22): sealed, unsealed by the child
        from attune_provider.runtime.context import sealed_variable_names
        from attune_provider.runtime.secret_values import sealed_child_conf, secret_parameter_names

        self.conf = sealed_child_conf(
            task.spec.input,
            conf,
            secret_parameter_names(self.workflow_plan.workflow.parameters),
            sealed_variable_names(self.workflow_plan, context),
        )
        self._require_child_dag(context)
        self.log.info("attune: starting child workflow %s", self.trigger_dag_id)
        return super().execute(context)

    def _require_child_dag(self, context: Any) -> None:
        """Fail loudly, naming the child, when Airflow has no DAG for it (else a vague trigger error)."""
        from airflow.sdk.exceptions import AirflowFailException

        problem = None
        try:
            found = context["ti"].get_dag(self.trigger_dag_id)
            if getattr(found, "dag_id", None) != self.trigger_dag_id:
                problem = str(getattr(found, "detail", None) or found)
        except Exception as exc:  # the execution API answers "not found" with an error
            problem = f"{type(exc).__name__}: {exc}"
        if problem is None:
            return
        message = (
            f"child workflow '{self.trigger_dag_id}' of task '{self.attune_task}' is not a DAG Airflow "
            f"knows (is its workflow file in the workflows folder, and does it load?): {problem}"
        )
        context["ti"].xcom_push(key=CHILD_ERROR_KEY, value=message)
        raise AirflowFailException(message)


def child_result(ti: Any, task: TaskPlan, run_succeeded: bool) -> dict[str, Any]:
    """The nested task's stored result: the child's output as ``data``."""
    child_run_id = pull(ti, task.run_id, key=TRIGGER_RUN_ID_KEY)
    output = None
    if child_run_id:
        for end_id in CHILD_END_IDS:
            output = ti.xcom_pull(
                dag_id=task.spec.action, run_id=child_run_id, task_ids=end_id, map_indexes=-1
            )
            if output is not None:
                break
    output = dict(output) if isinstance(output, Mapping) else output
    if not child_run_id and not run_succeeded:
        reason = pull(ti, task.run_id, key=CHILD_ERROR_KEY)
        return ActionResult.failure(
            reason or f"child workflow {task.spec.action} was not started (see the task log of {task.run_id})"
        ).to_dict()
    if run_succeeded:
        return ActionResult.success(output).to_dict()
    error = output.get("error") if isinstance(output, dict) else None
    if isinstance(error, str) and error:
        # attune: the parent reads the child's own result payload, `Workflow failed: N task(s)
        # failed: ...` (scheduler.rs build_workflow_result_payload), unchanged
        return ActionResult.failure(error, data=output).to_dict()
    message = f"child workflow {task.spec.action} run {child_run_id} failed"
    return ActionResult.failure(message, data=output).to_dict()
