"""The expression context of one task instance, built from the Airflow task context.

Everything is lazy: variables are one store read, results and inquiry answers are pulled
only when a template reads them, keystore reads Airflow Variables on access.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from attune_provider.expressions.context import AirflowVariableKeystore, WorkflowContext, system_values
from attune_provider.runtime.plan import WorkflowPlan
from attune_provider.runtime.results import AirflowResultResolver
from attune_provider.runtime.states import pull


@lru_cache(maxsize=4)
def _store_for(url: str) -> Any:
    from attune_provider.store.result_store import ResultStore

    return ResultStore.from_settings()


def result_store() -> Any:
    """The process-wide result store of the current settings."""
    from attune_provider.config import settings

    return _store_for(settings().store_url)


def run_variables(plan: WorkflowPlan, airflow_context: Mapping[str, Any]) -> Any:
    """This run's variable store (SPEC 7)."""
    from attune_provider.store.variables import RunVariables

    ti = airflow_context["ti"]
    return RunVariables(result_store(), ti.dag_id, ti.run_id)


def current_variables(plan: WorkflowPlan, airflow_context: Mapping[str, Any]) -> dict[str, Any]:
    """``vars`` seed overlaid with everything published so far in this run."""
    published = run_variables(plan, airflow_context).snapshot()
    return {**plan.workflow.vars, **dict(published)}


def workflow_parameters(plan: WorkflowPlan, airflow_context: Mapping[str, Any]) -> dict[str, Any]:
    """Run parameters; defaults fill missing or null values (SPEC 1.4)."""
    params = airflow_context.get("params") or {}
    values = {key: params[key] for key in params}
    conf = getattr(airflow_context.get("dag_run"), "conf", None) or {}
    for key, value in conf.items():
        values.setdefault(key, value)
    for name, spec in plan.workflow.parameters.items():
        if values.get(name) is None and spec.has_default:
            values[name] = spec.default
    return values


class InquiryAnswers(Mapping[str, Any]):
    """``inquiry.<task>``: ``{"response": ..., "responded_by": ...}`` from the HITL step."""

    def __init__(self, ti: Any, plan: WorkflowPlan) -> None:
        self._ti = ti
        self._plan = plan
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self._cache:
            return self._cache[name]
        task = self._plan.tasks.get(name)
        if task is None or not task.has_inquiry:
            raise KeyError(name)
        from attune_provider.runtime.inquiry import answer_from_xcom

        answer = answer_from_xcom(pull(self._ti, task.inquiry_id))
        self._cache[name] = answer
        return answer

    def __iter__(self) -> Iterator[str]:
        return iter([name for name, task in self._plan.tasks.items() if task.has_inquiry])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def mask_secret_parameters(plan: WorkflowPlan, parameters: Mapping[str, Any]) -> None:
    """Register ``secret: true`` parameter values with Airflow's masker (task logs, this process)."""
    from airflow.sdk.log import mask_secret

    for name, spec in plan.workflow.parameters.items():
        value = parameters.get(name)
        if getattr(spec, "secret", False) and value not in (None, ""):
            mask_secret(value, name=name)


def build_context(plan: WorkflowPlan, airflow_context: Mapping[str, Any]) -> WorkflowContext:
    ti = airflow_context["ti"]
    pack = plan.workflow.pack
    parameters = workflow_parameters(plan, airflow_context)
    mask_secret_parameters(plan, parameters)
    return WorkflowContext(
        parameters=parameters,
        variables=current_variables(plan, airflow_context),
        results=AirflowResultResolver(ti, plan),
        system=system_values(airflow_context),
        config=dict(pack.config) if pack is not None else {},
        keystore=AirflowVariableKeystore(),
        inquiry=InquiryAnswers(ti, plan),
    )
