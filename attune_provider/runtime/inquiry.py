"""``wait_for: {inquiry: ...}`` on Airflow's human-in-the-loop operator (reference 3).

attune creates an inquiry through some action and the guarded task waits for its answer. On
Airflow the waiting *is* the inquiry: a ``HITLOperator`` step runs between the task's gate and
its run, parks the task instance in AWAITING_INPUT and shows the question in the Required
Actions UI (and the HITL REST API). Its answer becomes ``inquiry.<task>``:

``{"response": {...params_input, "choice": <chosen option>, "chosen_options": [...],
"approved": <bool, when options are approve/reject>}, "responded_by": ..., "responded_at": ...}``

Accepted ``wait_for`` keys besides ``inquiry``: ``prompt``/``subject``, ``body``, ``options``
(default ``[approve, reject]``), ``response_schema``/``schema`` (flat attune schema -> form
fields), ``timeout`` (seconds). A response that does not arrive in time fails the step with
Airflow's ``HITLTimeoutError``; the task's outcome is then ``timed_out``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator

from attune_provider.expressions import ExpressionError
from attune_provider.expressions.engine import render
from attune_provider.runtime.answers import DEFAULT_OPTIONS, answer_from_xcom  # noqa: F401  (re-exported)
from attune_provider.runtime.plan import TaskPlan, WorkflowPlan
from attune_provider.runtime.values import plain, short_text


def _form_params(schema: Any) -> dict[str, Any]:
    """attune's flat response schema -> HITL form fields (``airflow.sdk.Param``)."""
    from airflow.sdk import Param

    params: dict[str, Any] = {}
    if not isinstance(schema, Mapping):
        return params
    for name, field in schema.items():
        if not isinstance(field, Mapping):
            continue
        keywords = {k: plain(v) for k, v in field.items() if k in ("type", "enum", "minimum", "maximum")}
        if field.get("type") and not field.get("required"):
            keywords["type"] = [field["type"], "null"]
        default = field.get("default")
        params[name] = Param(default, description=field.get("description"), **keywords)
    return params


class AttuneInquiryOperator(HITLOperator):
    """HITLOperator whose subject/body are attune templates rendered with the run's context."""

    template_fields = ()  # attune templates, not Airflow Jinja: rendered in execute()

    def __init__(self, *, workflow_plan: WorkflowPlan, attune_task: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.workflow_plan = workflow_plan
        self.attune_task = attune_task

    def execute(self, context: Any) -> Any:
        from attune_provider.runtime.context import build_context

        task = self.workflow_plan.tasks[self.attune_task]
        ctx = build_context(self.workflow_plan, context)
        where = f"task '{task.name}' field 'wait_for'"
        try:
            self.subject = str(render(self.subject, ctx, where=where))
            if self.body:
                self.body = str(render(self.body, ctx, where=where))
            reference = render(wait_for_of(task).inquiry, ctx, where=where)
        except ExpressionError as exc:
            self.log.error("attune: %s", exc)
            reference = None
        if reference not in (None, ""):
            self.body = f"{self.body or ''}\n\nattune inquiry: {short_text(reference, 200)}".strip()
        return super().execute(context)


def wait_for_of(task: TaskPlan) -> Any:
    """The task's ``wait_for`` block; only inquiry tasks get an inquiry step."""
    if task.spec.wait_for is None:
        raise ValueError(f"task '{task.name}' has no wait_for block")
    return task.spec.wait_for


def inquiry_operator(plan: WorkflowPlan, task: TaskPlan, *, task_id: str) -> AttuneInquiryOperator:
    options = dict(wait_for_of(task).options)
    choices = [str(option) for option in (options.get("options") or DEFAULT_OPTIONS)]
    timeout = options.get("timeout")
    subject = (
        options.get("prompt") or options.get("subject") or f"Respond to the inquiry of task '{task.name}'"
    )
    return AttuneInquiryOperator(
        task_id=task_id,
        workflow_plan=plan,
        attune_task=task.name,
        subject=str(subject),
        body=str(options["body"]) if options.get("body") else None,
        options=choices,
        params=_form_params(options.get("response_schema") or options.get("schema")),
        response_timeout=timedelta(seconds=float(timeout)) if timeout not in (None, "") else None,
        retries=0,
    )
