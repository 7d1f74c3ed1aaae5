"""WorkflowContext: what a template can see during one DAG run (reference 10.2).

Everything run-wide (parameters, variables, task results, system values, config, keystore,
inquiry answers) sits in one shared ``_RunScope``. A context is that scope plus three
per-render slots (``item``, ``index``, the current task's outcome), so ``with_item`` and
``with_outcome`` are O(1): one small object, nothing copied, whatever the size of the
results (reference 6.2).

Name resolution for a top-level name, first match wins:

1. ``item`` and ``index`` (only inside with_items; elsewhere they are unknown names);
2. the reserved namespaces ``parameters``, ``workflow``/``vars``/``variables``,
   ``task``/``tasks``, ``system``, ``config``, ``keystore``, ``inquiry``;
3. workflow variables by bare name;
4. the function library (``length``, ``merge``, ...) and the outcome functions
   (``result``, ``succeeded``, ``failed``, ``timed_out``, ``cancelled``);
5. Jinja's globals (``dict``, ``namespace``, ``cycler``, ``joiner``, ``lipsum``).

In call position (``f(...)``) the engine resolves attune functions before variables, so a
variable named ``count`` or ``result`` never breaks ``count(x)`` or ``result()``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from attune_provider.expressions.airflow_values import AirflowVariableKeystore, system_values  # re-exported
from attune_provider.expressions.errors import ExpressionError
from attune_provider.expressions.functions import FUNCTIONS
from attune_provider.expressions.result_view import as_result_view
from attune_provider.outcomes import CONDITION_OUTCOMES

__all__ = [
    "OUTCOMES",
    "RESERVED_NAMES",
    "AirflowVariableKeystore",
    "OutcomeFunctions",
    "ResultResolver",
    "TaskResults",
    "WorkflowContext",
    "system_values",
]

OUTCOMES = CONDITION_OUTCOMES  # attune_provider/outcomes.py: what conditions can test
OUTCOME_FUNCTIONS = frozenset({"result", *OUTCOMES})
RESERVED_NAMES = frozenset(
    {
        "parameters",
        "workflow",
        "vars",
        "variables",
        "task",
        "tasks",
        "system",
        "config",
        "keystore",
        "inquiry",
        "item",
        "index",
    }
)
CALL_PREFIX = "__attune_fn_"  # the engine rewrites `f(...)` to this name (see module docstring)

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_MISSING: Any = object()
_NO_ITEM: Any = object()


@runtime_checkable
class ResultResolver(Protocol):
    """Source of task results: ``get(name)`` returns the stored result or raises KeyError.

    Called only for tasks a template actually reads. An optional ``keys()`` lets templates
    iterate ``task``; without it iteration lists the tasks read so far.
    """

    def get(self, task_name: str) -> Any: ...


class TaskResults(Mapping[str, Any]):
    """The ``task``/``tasks`` namespace: lazy, each result wrapped by ``as_result_view``.

    One instance per run scope; it caches what it resolved, so item contexts sharing the
    scope resolve each task once.
    """

    __slots__ = ("_cache", "_lookup", "_source")

    def __init__(self, source: ResultResolver | Mapping[str, Any] | None) -> None:
        source = _EMPTY if source is None else source
        self._source = source
        # A Mapping's .get() returns None instead of raising: index it instead.
        self._lookup = source.__getitem__ if isinstance(source, Mapping) else source.get
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            return self._cache[name]
        except KeyError:
            pass
        value = as_result_view(self._lookup(name))
        self._cache[name] = value
        return value

    def _names(self) -> list[str]:
        names = getattr(self._source, "keys", None)
        return list(names()) if callable(names) else list(self._cache)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return f"TaskResults(resolved={sorted(self._cache)})"


class OutcomeFunctions:
    """``result()``, ``succeeded()``, ... for the task whose transitions are being evaluated."""

    __slots__ = ("_result", "_status")

    def __init__(self, status: str | None, result: Any) -> None:
        self._status = status
        self._result = result

    def _require(self, fname: str) -> str:
        if self._status is None:
            raise ExpressionError(
                f"{fname}() is only defined while evaluating a task's transitions (next: when/publish)"
            )
        return self._status

    def result(self) -> Any:
        self._require("result")
        return as_result_view(self._result)

    def succeeded(self) -> bool:
        return self._require("succeeded") == "succeeded"

    def failed(self) -> bool:
        return self._require("failed") == "failed"

    def timed_out(self) -> bool:
        return self._require("timed_out") == "timed_out"

    def cancelled(self) -> bool:
        return self._require("cancelled") == "cancelled"


_NO_OUTCOME = OutcomeFunctions(None, None)


class _RunScope:
    """The run-wide, shared, never-copied part of every context of one run."""

    __slots__ = ("config", "inquiry", "keystore", "namespaces", "parameters", "system", "tasks", "variables")

    def __init__(
        self,
        parameters: Mapping[str, Any],
        variables: Mapping[str, Any],
        tasks: TaskResults,
        system: Mapping[str, Any],
        config: Mapping[str, Any],
        keystore: Mapping[str, Any],
        inquiry: Mapping[str, Any],
    ) -> None:
        self.parameters = parameters
        self.variables = variables
        self.tasks = tasks
        self.system = system
        self.config = config
        self.keystore = keystore
        self.inquiry = inquiry
        self.namespaces: dict[str, Any] = {
            "parameters": parameters,
            "workflow": variables,
            "vars": variables,
            "variables": variables,
            "task": tasks,
            "tasks": tasks,
            "system": system,
            "config": config,
            "keystore": keystore,
            "inquiry": inquiry,
        }


def _jinja_globals() -> Mapping[str, Any]:
    from jinja2.defaults import DEFAULT_NAMESPACE

    from attune_provider.expressions.limits import bounded_lipsum

    names = {k: v for k, v in DEFAULT_NAMESPACE.items() if k != "range"}
    names["lipsum"] = bounded_lipsum
    return names


_GLOBALS = _jinja_globals()


class WorkflowContext(Mapping[str, Any]):
    """Read-only scope of top-level template names for one run (see module docstring).

    ``results`` is a ``ResultResolver`` or a plain mapping of task name -> stored result.
    All arguments may be lazy read-only Mappings; nothing is copied.
    """

    __slots__ = ("_index", "_item", "_outcome", "_scope")

    def __init__(
        self,
        parameters: Mapping[str, Any] | None = None,
        variables: Mapping[str, Any] | None = None,
        results: ResultResolver | Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
        *,
        config: Mapping[str, Any] | None = None,
        keystore: Mapping[str, Any] | None = None,
        inquiry: Mapping[str, Any] | None = None,
    ) -> None:
        self._scope = _RunScope(
            parameters if parameters is not None else _EMPTY,
            variables if variables is not None else _EMPTY,
            TaskResults(results),
            system if system is not None else _EMPTY,
            config if config is not None else _EMPTY,
            keystore if keystore is not None else _EMPTY,
            inquiry if inquiry is not None else _EMPTY,
        )
        self._item = _NO_ITEM
        self._index = _NO_ITEM
        self._outcome = _NO_OUTCOME

    # -- O(1) derivations -------------------------------------------------------------
    def _derive(self) -> WorkflowContext:
        new = object.__new__(WorkflowContext)
        new._scope = self._scope
        new._item = self._item
        new._index = self._index
        new._outcome = self._outcome
        return new

    def with_item(self, item: Any, index: int) -> WorkflowContext:
        """The context of one with_items instance; shares everything else by reference."""
        new = object.__new__(WorkflowContext)
        new._scope = self._scope
        new._item = item
        new._index = index
        new._outcome = self._outcome
        return new

    def with_outcome(self, status: str, result: Any = None) -> WorkflowContext:
        """The context for a finished task's transitions: drives result()/succeeded()/..."""
        if status not in OUTCOMES:
            raise ValueError(f"unknown outcome {status!r}; expected one of {', '.join(OUTCOMES)}")
        new = self._derive()
        new._outcome = OutcomeFunctions(status, result)
        return new

    def with_variables(self, variables: Mapping[str, Any]) -> WorkflowContext:
        """Same run, other variables (e.g. after a publish); O(number of namespaces)."""
        old = self._scope
        new = self._derive()
        new._scope = _RunScope(
            old.parameters, variables, old.tasks, old.system, old.config, old.keystore, old.inquiry
        )
        return new

    # -- accessors ----------------------------------------------------------------------
    @property
    def parameters(self) -> Mapping[str, Any]:
        return self._scope.parameters

    @property
    def variables(self) -> Mapping[str, Any]:
        return self._scope.variables

    @property
    def tasks(self) -> TaskResults:
        return self._scope.tasks

    @property
    def system(self) -> Mapping[str, Any]:
        return self._scope.system

    @property
    def config(self) -> Mapping[str, Any]:
        return self._scope.config

    @property
    def keystore(self) -> Mapping[str, Any]:
        return self._scope.keystore

    @property
    def inquiry(self) -> Mapping[str, Any]:
        return self._scope.inquiry

    @property
    def has_item(self) -> bool:
        return self._item is not _NO_ITEM

    @property
    def item(self) -> Any:
        if self._item is _NO_ITEM:
            raise AttributeError("item is only defined inside a with_items task")
        return self._item

    @property
    def index(self) -> int:
        if self._index is _NO_ITEM:
            raise AttributeError("index is only defined inside a with_items task")
        return self._index

    @property
    def outcome(self) -> str | None:
        return self._outcome._status

    # -- name resolution ---------------------------------------------------------------
    def lookup(self, name: str, default: Any = _MISSING) -> Any:
        """Resolve a top-level name (order in the module docstring); ``default`` if unknown."""
        if name == "item":
            return default if self._item is _NO_ITEM else self._item
        if name == "index":
            return default if self._index is _NO_ITEM else self._index
        scope = self._scope
        value = scope.namespaces.get(name, _MISSING)
        if value is not _MISSING:
            return value
        if name.startswith(CALL_PREFIX):
            return self._function(name[len(CALL_PREFIX) :], default)
        try:
            return scope.variables[name]
        except KeyError:
            pass
        return self._function(name, default)

    def _function(self, name: str, default: Any) -> Any:
        if name in OUTCOME_FUNCTIONS:
            return getattr(self._outcome, name)
        function = FUNCTIONS.get(name, _MISSING)
        if function is not _MISSING:
            return function
        return _GLOBALS.get(name, default)

    def __getitem__(self, name: str) -> Any:
        value = self.lookup(name)
        if value is _MISSING:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.lookup(name) is not _MISSING

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        names = [n for n in ("item", "index") if self.lookup(n) is not _MISSING]
        names += list(self._scope.namespaces)
        names += [n for n in self._scope.variables if n not in RESERVED_NAMES]
        names += [*FUNCTIONS, *OUTCOME_FUNCTIONS, *_GLOBALS]
        for name in names:
            if name not in seen:
                seen.add(name)
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        extra = f", item={self._item!r}, index={self._index!r}" if self.has_item else ""
        return f"WorkflowContext(outcome={self.outcome!r}{extra})"
