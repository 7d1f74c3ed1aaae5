"""The common interface of every action kind, and the run wrapper they share.

``Action.run`` fills defaults and validates input against the flat schema *before* the
action starts anything, sets up secret masking, times the run and turns unexpected
exceptions into a failed :class:`ActionResult`, so each kind only implements ``_execute``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from attune_provider.actions.masking import SecretMasker, secrets_from_context
from attune_provider.actions.pack_envs import PackEnvironmentError
from attune_provider.actions.parameters import ActionParameterError, prepare_parameters, secret_values
from attune_provider.actions.result import ActionResult
from attune_provider.spec.model import EMPTY, ParameterSpec

ActionKind = Literal["pack", "core", "python", "operator", "workflow"]
TASK_LOGGER = "airflow.task"


@dataclass
class RunContext:
    """What one execution knows besides its parameters."""

    ref: str
    timeout: float | None
    context: Mapping[str, Any] | None
    exec_id: str
    log: logging.Logger
    masker: SecretMasker = field(default_factory=SecretMasker)


def exec_id_from_context(context: Mapping[str, Any] | None) -> str:
    """A stable id for the execution: the task instance's identity when run in Airflow."""
    ti = (context or {}).get("ti") or (context or {}).get("task_instance")
    if ti is not None:
        parts = [getattr(ti, "dag_id", None), getattr(ti, "run_id", None), getattr(ti, "task_id", None)]
        map_index = getattr(ti, "map_index", -1)
        if map_index is not None and map_index >= 0:
            parts.append(str(map_index))
        try_number = getattr(ti, "try_number", None)
        if try_number is not None:
            parts.append(f"try{try_number}")
        if all(parts[:3]):
            return "/".join(str(part) for part in parts)
    return uuid.uuid4().hex


class Action(ABC):
    """A runnable action resolved from an ``action:`` ref."""

    kind: ActionKind
    ref: str
    parameters: Mapping[str, ParameterSpec] = EMPTY
    description: str | None = None

    def validate(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Defaults + flat-schema validation; raises :class:`ActionParameterError`."""
        return prepare_parameters(self.ref, self.parameters, params)

    def run(
        self,
        params: Mapping[str, Any] | None,
        *,
        timeout: float | None = None,
        context: Mapping[str, Any] | None = None,
        exec_id: str | None = None,
        log: logging.Logger | None = None,
        secrets: Iterable[str] = (),
    ) -> ActionResult:
        """Execute once; never raises for action failures (they are in the result).

        Masked: this action's secret parameters, the DAG's parameters marked secret (found in
        ``context``) and ``secrets`` (more strings, see ``masking.secret_strings``). The
        returned result is masked: ``data`` (keys included), stdout, stderr and error.
        """
        log = log or logging.getLogger(TASK_LOGGER)
        started = time.monotonic()
        params = dict(params or {})
        extra = [value for value in secrets if isinstance(value, str)]
        extra += secrets_from_context(context)  # the workflow's parameters marked secret
        # mask secrets first: even a validation message must not leak them
        masker = SecretMasker([*secret_values(self.parameters, params), *extra])
        try:
            values = self.validate(params)
        except ActionParameterError as exc:
            message = masker.redact(str(exc))
            log.error("attune: %s", message)
            return ActionResult.failure(message, duration_ms=elapsed_ms(started))
        masker = SecretMasker([*secret_values(self.parameters, values), *extra])
        run = RunContext(
            ref=self.ref,
            timeout=timeout if timeout is None else float(timeout),
            context=context,
            exec_id=exec_id or exec_id_from_context(context),
            log=log,
            masker=masker,
        )
        log.info("attune: running %s action %s (exec %s)", self.kind, self.ref, run.exec_id)
        try:
            result = masked_result(self._execute(values, run), masker)
        except PackEnvironmentError as exc:  # a deployment problem: fail now, never retry
            from airflow.sdk.exceptions import AirflowFailException

            message = masker.redact(str(exc))
            log.error("attune: action %s cannot start: %s", self.ref, message)
            raise AirflowFailException(f"action '{self.ref}': {message}") from None
        except Exception as exc:
            log.error("attune: action %s raised:\n%s", self.ref, masker.redact(traceback.format_exc()))
            return ActionResult.failure(
                masker.redact(f"{type(exc).__name__}: {exc}"), duration_ms=elapsed_ms(started)
            )
        log.info(
            "attune: action %s %s in %d ms%s",
            self.ref,
            result.outcome,
            result.duration_ms,
            f": {masker.redact(result.error)}" if result.error else "",
        )
        return result

    @abstractmethod
    def _execute(self, values: dict[str, Any], run: RunContext) -> ActionResult:
        """Run with validated ``values``; return the result (exceptions become failures)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} {self.ref}>"


def masked_result(result: ActionResult, masker: SecretMasker) -> ActionResult:
    """``result`` with every secret replaced, parsed ``data`` included (it is what gets
    stored and published onward)."""
    if not masker:
        return result
    return dataclasses.replace(
        result,
        stdout=masker.redact(result.stdout),
        stderr=masker.redact(result.stderr),
        error=masker.redact(result.error) if result.error is not None else None,
        data=masker.redact_value(result.data),
    )


def elapsed_ms(started: float) -> int:
    """Milliseconds since a ``time.monotonic()`` reading."""
    return int((time.monotonic() - started) * 1000)
