"""The expression context of one task instance, built from the Airflow task context.

Everything is lazy: variables are one store read, results and inquiry answers are pulled
only when a template reads them, keystore reads Airflow Variables on access.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from attune_provider.expressions.context import AirflowVariableKeystore, WorkflowContext, system_values
from attune_provider.runtime.answers import InquiryAnswers
from attune_provider.runtime.pack_config import AirflowPackConfig
from attune_provider.runtime.plan import WorkflowPlan
from attune_provider.runtime.results import AirflowResultResolver


def run_variables(plan: WorkflowPlan, airflow_context: Mapping[str, Any]) -> Any:
    """This run's variable store (reference 7)."""
    from attune_provider.store.result_store import ResultStore
    from attune_provider.store.variables import RunVariables

    ti = airflow_context["ti"]
    return RunVariables(ResultStore.from_settings(), ti.dag_id, ti.run_id)


def current_variables(plan: WorkflowPlan, airflow_context: Mapping[str, Any]) -> dict[str, Any]:
    """``vars`` seed overlaid with everything published so far in this run (sealed secret
    values decrypted and remembered as secrets: ``runtime.secret_values``)."""
    from attune_provider.runtime.secret_values import unseal_variables

    published, _sealed = unseal_variables(run_variables(plan, airflow_context).snapshot())
    return {**plan.workflow.vars, **published}


def sealed_variable_names(plan: WorkflowPlan, airflow_context: Mapping[str, Any]) -> frozenset[str]:
    """Names of the run's variables stored sealed (their values are secrets)."""
    from attune_provider.store.sealed import is_sealed

    snapshot = run_variables(plan, airflow_context).snapshot()
    return frozenset(name for name, value in snapshot.items() if is_sealed(value))


def workflow_parameters(plan: WorkflowPlan, airflow_context: Mapping[str, Any]) -> dict[str, Any]:
    """Run parameters; defaults fill missing or null values (reference 1.4)."""
    params = airflow_context.get("params") or {}
    values = {key: params[key] for key in params}
    conf = getattr(airflow_context.get("dag_run"), "conf", None) or {}
    for key, value in conf.items():
        values.setdefault(key, value)
    for name, spec in plan.workflow.parameters.items():
        if values.get(name) is None and spec.has_default:
            values[name] = copy.deepcopy(spec.default)  # the compiled spec's object stays untouched
    return unsealed_parameters(plan, values)


def unsealed_parameters(plan: WorkflowPlan, values: dict[str, Any]) -> dict[str, Any]:
    """Parameters sealed in the run's conf decrypted: secret fields of a triggered run
    (``plugins.secret_conf``) and whatever a parent workflow sealed for its child
    (``secret_values.sealed_child_conf``), declared secret here or not; each is remembered as a
    secret of this process, so it stays masked wherever it goes."""
    from attune_provider.actions.masking import remember_secret
    from attune_provider.store.sealed import is_sealed_text, unseal_text

    for name, value in list(values.items()):
        if is_sealed_text(value):
            values[name] = unseal_text(value)
            remember_secret(values[name])
    return values


def mask_secret_parameters(plan: WorkflowPlan, parameters: Mapping[str, Any]) -> None:
    """Register ``secret: true`` parameter values with Airflow's masker (task logs, this process)
    and remember them as this process's secrets (``masking.remember_secret``)."""
    from airflow.sdk.log import mask_secret

    from attune_provider.runtime.secret_values import remember_parameters

    remember_parameters(plan.workflow.parameters, parameters)
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
        config=AirflowPackConfig(pack) if pack is not None else {},
        keystore=AirflowVariableKeystore(),
        inquiry=InquiryAnswers(ti, plan),
    )
