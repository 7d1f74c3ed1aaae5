"""Airflow operators as actions: ``action: airflow:dotted.path.Operator`` (reference 9.4).

The task's rendered ``input`` becomes the operator's constructor arguments. The operator is
instantiated inside the running Airflow task (task_id derived from the attune task) and its
``execute(context)`` is called with that task's context; the return value becomes ``data``.
Any exception (``AirflowException`` included) fails the run. Input is already rendered by
attune's expression engine, so the operator's own ``template_fields`` are NOT rendered again
(reference 10.1: rendered values are never rendered twice). Deferrable operators must be used
with ``deferrable: false``: an action cannot hand its task to the triggerer.
A timeout calls the operator's ``on_kill()`` (BashOperator kills its process group there).
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Mapping
from typing import Any

from attune_provider.actions.base import Action, RunContext, elapsed_ms
from attune_provider.actions.callables import call_with_timeout
from attune_provider.actions.result import ActionResult
from attune_provider.spec.model import EMPTY

PREFIX = "airflow:"


class OperatorImportError(ImportError):
    """An ``airflow:`` ref that does not name an Airflow operator class."""


def import_operator(path: str) -> type:
    """``airflow.providers.standard.operators.bash.BashOperator`` -> the class (checked)."""
    from airflow.sdk import BaseOperator

    module_name, _, class_name = path.rpartition(".")
    if not module_name or not class_name:
        raise OperatorImportError(f"'{PREFIX}{path}': expected a dotted path to an operator class")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise OperatorImportError(f"'{PREFIX}{path}': cannot import {module_name!r}: {exc}") from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        raise OperatorImportError(f"'{PREFIX}{path}': module {module_name!r} has no {class_name!r}")
    if not (isinstance(cls, type) and issubclass(cls, BaseOperator)):
        raise OperatorImportError(f"'{PREFIX}{path}': {class_name!r} is not an Airflow operator")
    return cls


def derived_task_id(context: Mapping[str, Any] | None, operator: type) -> str:
    ti = (context or {}).get("ti")
    base = getattr(ti, "task_id", None) or "attune_action"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{base}.{operator.__name__}")


class OperatorAction(Action):
    """Instantiate and execute an operator inside the current task."""

    kind = "operator"
    parameters = EMPTY  # the operator's own constructor validates its arguments

    def __init__(self, ref: str, operator: type):
        self.ref = ref
        self.operator = operator
        self.description = (operator.__doc__ or "").strip().split("\n", 1)[0] or None

    def _execute(self, values: dict[str, Any], run: RunContext) -> ActionResult:
        from airflow.sdk.exceptions import TaskDeferred

        started = time.monotonic()
        kwargs = dict(values)
        kwargs.setdefault("task_id", derived_task_id(run.context, self.operator))
        # Airflow's public way to execute an operator inside a running task: its guard then logs
        # one "cannot be called outside of the Task Runner!" warning (an operator given
        # allow_nested_operators: false in its input refuses, as Airflow documents)
        kwargs.setdefault("allow_nested_operators", True)
        try:
            op = self.operator(**kwargs)
        except Exception as exc:
            return ActionResult.failure(
                run.masker.redact(f"cannot create {self.operator.__name__}: {type(exc).__name__}: {exc}"),
                duration_ms=elapsed_ms(started),
            )
        context = run.context if run.context is not None else {}
        outcome = call_with_timeout(lambda: op.execute(context), run.timeout, op.task_id)
        if not outcome.finished:
            try:
                op.on_kill()
            except Exception as exc:
                run.log.warning("attune: %s.on_kill() failed: %s", self.operator.__name__, exc)
            return ActionResult.timeout(
                f"action '{self.ref}' timed out after {run.timeout}s", duration_ms=elapsed_ms(started)
            )
        error = outcome.error
        if isinstance(error, TaskDeferred):
            return ActionResult.failure(
                f"{self.operator.__name__} tried to defer; deferral is not supported for actions "
                "(pass deferrable: false)",
                duration_ms=elapsed_ms(started),
            )
        if error is not None:
            if not isinstance(error, Exception):
                raise error
            run.log.error("attune: %s failed:\n%s", self.ref, run.masker.redact(outcome.traceback))
            return ActionResult.failure(
                run.masker.redact(f"{type(error).__name__}: {error}"), duration_ms=elapsed_ms(started)
            )
        return ActionResult.success(outcome.value, duration_ms=elapsed_ms(started))
