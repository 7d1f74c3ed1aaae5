"""Python actions: ``module:function`` refs and callables registered through entry points.

The rendered input is passed as keyword arguments; the return value becomes ``data``; an
exception fails the run with its text (traceback in the log).

Timeout: the callable runs in a daemon thread and the run reports ``timed_out`` when the
limit passes. Python cannot kill a thread, so the code keeps running in the background until
it returns by itself (its result is then discarded). Code that must be stoppable should be a
pack action (a real process, killed with its process group) instead.
"""

from __future__ import annotations

import contextvars
import importlib
import inspect
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from attune_provider.actions.base import Action, RunContext, elapsed_ms
from attune_provider.actions.parameters import flat_parameters
from attune_provider.actions.result import ActionResult
from attune_provider.spec.model import ParameterSpec

_ANNOTATION_TYPES = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "list": "array",
    "dict": "object",
}


class CallableImportError(ImportError):
    """A ``module:function`` ref that does not name an importable callable."""


def import_callable(path: str) -> Callable[..., Any]:
    """``package.module:function`` (or ``module:Class.method``) -> the callable."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise CallableImportError(f"{path!r} is not of the form 'module:function'")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise CallableImportError(f"cannot import module {module_name!r} for {path!r}: {exc}") from exc
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise CallableImportError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(target):
        raise CallableImportError(f"{path!r} is not callable")
    return target


def signature_parameters(func: Callable[..., Any]) -> Mapping[str, ParameterSpec]:
    """A flat schema from the signature: no default = required; plain builtin hints give a type."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return flat_parameters({})
    raw: dict[str, dict[str, Any]] = {}
    for name, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            continue
        field: dict[str, Any] = {}
        json_type = _ANNOTATION_TYPES.get(param.annotation)
        if json_type:
            field["type"] = json_type
        if param.default is param.empty:
            field["required"] = True
        elif param.default is None or isinstance(param.default, str | int | float | bool):
            field["default"] = param.default
        raw[name] = field
    return flat_parameters(raw)


def accepts_any_keyword(func: Callable[..., Any]) -> bool:
    try:
        return any(p.kind is p.VAR_KEYWORD for p in inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return True


@dataclass
class ThreadOutcome:
    finished: bool
    value: Any = None
    error: BaseException | None = None
    traceback: str = ""


def call_with_timeout(func: Callable[[], Any], timeout: float | None, name: str) -> ThreadOutcome:
    """Run ``func`` in a daemon thread (with the caller's contextvars); give up after ``timeout``."""
    outcome = ThreadOutcome(finished=False)
    done = threading.Event()
    ctx = contextvars.copy_context()

    def target() -> None:
        try:
            outcome.value = ctx.run(func)
        except BaseException as exc:
            outcome.error = exc
            outcome.traceback = traceback.format_exc()
        finally:
            done.set()

    if timeout is None:
        target()  # no limit: run in the caller's thread (cheaper, and keeps thread-bound state)
    else:
        threading.Thread(target=target, name=f"attune-action-{name}", daemon=True).start()
        done.wait(timeout)
    outcome.finished = done.is_set()
    return outcome


class PythonCallableAction(Action):
    """A Python function run in-process; ``kind`` is "python" (or "core" for built-ins)."""

    def __init__(
        self,
        ref: str,
        func: Callable[..., Any],
        *,
        parameters: Mapping[str, ParameterSpec] | None = None,
        kind: str = "python",
        description: str | None = None,
        pass_run: bool = False,
        handles_timeout: bool = False,
    ):
        self.ref = ref
        self.func = func
        self.kind = kind  # type: ignore[assignment]
        self.parameters = parameters if parameters is not None else signature_parameters(func)
        self.description = description or inspect.getdoc(func)
        self._pass_run = pass_run  # built-ins receive the RunContext as ``_run``
        self._filter = not pass_run and not accepts_any_keyword(func)
        self._handles_timeout = handles_timeout  # built-ins enforce run.timeout themselves

    def _execute(self, values: dict[str, Any], run: RunContext) -> ActionResult:
        started = time.monotonic()
        kwargs = dict(values)
        if self._filter:
            # a task without `input` passes the workflow's parameters: keep only declared names
            kwargs = {key: value for key, value in kwargs.items() if key in self.parameters}
        if self._pass_run:
            kwargs["_run"] = run
        limit = None if self._handles_timeout else run.timeout
        outcome = call_with_timeout(lambda: self.func(**kwargs), limit, self.ref)
        if not outcome.finished:
            return ActionResult.timeout(
                f"action '{self.ref}' timed out after {run.timeout}s (the Python code keeps running "
                "in its thread until it returns; it cannot be killed)",
                duration_ms=elapsed_ms(started),
            )
        if outcome.error is not None:
            if not isinstance(outcome.error, Exception):
                raise outcome.error  # KeyboardInterrupt / SystemExit stay fatal
            run.log.error("attune: action %s raised:\n%s", self.ref, run.masker.redact(outcome.traceback))
            return ActionResult.failure(
                run.masker.redact(f"{type(outcome.error).__name__}: {outcome.error}"),
                duration_ms=elapsed_ms(started),
            )
        value = outcome.value
        if isinstance(value, ActionResult):  # built-ins build their own full result
            return value if value.duration_ms else replace(value, duration_ms=elapsed_ms(started))
        return ActionResult.success(value, duration_ms=elapsed_ms(started))
