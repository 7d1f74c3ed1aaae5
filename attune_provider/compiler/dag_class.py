"""The DAG class compiled workflows use: its params are handed out as copies.

Airflow's ``process_params`` (run at every task's context build) merges the DAG's ``Param``
objects into the run's ``ParamsDict`` *by reference*, then resolves the run's ``conf`` into
them, and ``Param.resolve`` stores the value it resolved. Workers parse the DAG per task, so
they never notice; an in-process runner (``dag.test()``, ``attune run``, a test session) reuses
one DAG object, and a later run that omits a parameter silently got an earlier run's value
instead of the default. Handing out deep copies keeps the compiled defaults (and their list
and dict values) out of any run's reach.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

from airflow.sdk import DAG
from airflow.sdk.definitions.param import Param, ParamsDict

_STORE = "_attune_params"
_BUILDING = "_attune_building"


def _copy(param: Param) -> Param:
    """A deep copy that keeps a param without a value without one: its value is Airflow's "not
    set" sentinel, which ``has_value`` tests by identity, so the sentinel itself is kept."""
    memo = {} if param.has_value else {id(param.value): param.value}
    return copy.deepcopy(param, memo=memo)


class ParamsCopy(ParamsDict):
    """A read-only copy of a compiled DAG's params: a write would be lost, so it raises."""

    __slots__ = ()

    def __setitem__(self, key: str, value: Any) -> NoReturn:
        raise TypeError(
            f"cannot set param {key!r} on a copy of a compiled DAG's params: assign dag.params = {{...}} instead"
        )

    def __delitem__(self, key: str) -> NoReturn:
        raise TypeError(f"cannot delete param {key!r} from a copy of a compiled DAG's params")


class AttuneDAG(DAG):
    """An ``airflow.sdk.DAG`` whose ``params`` every reader gets as fresh ``Param`` copies.

    While the compiler builds it (``hashed_by_identity``) it hashes by identity: Airflow hashes
    the DAG on every ``>>`` (``DependencyMixin._set_relatives`` collects the tasks' DAGs in a
    set) and ``DAG.__hash__`` hashes the list of all task ids, so wiring a workflow cost
    O(edges x tasks): 4,000 tasks compiled in 8 s, 20,000 in over a minute
    (benchmarks/compile_scaling.py). Within one build every task belongs to this one DAG
    object, so identity is the right answer there; afterwards Airflow's own hash applies.
    """

    def __hash__(self) -> int:
        if self.__dict__.get(_BUILDING):
            return object.__hash__(self)
        return super().__hash__()

    @property
    def params(self) -> ParamsDict:
        stored: ParamsDict | None = self.__dict__.get(_STORE)
        if stored is None:
            return ParamsCopy()
        # deep: a run that changes a list or dict value in place must not reach the default
        return ParamsCopy({name: _copy(stored.get_param(name)) for name in stored})

    @params.setter
    def params(self, value: Mapping[str, Any] | None) -> None:
        # values are copied in too: the caller's Param objects stay theirs
        source = value if isinstance(value, ParamsDict) else ParamsDict(dict(value or {}))
        self.__dict__[_STORE] = ParamsDict({name: _copy(source.get_param(name)) for name in source})


@contextmanager
def hashed_by_identity(dag: AttuneDAG) -> Iterator[AttuneDAG]:
    """Hash ``dag`` by identity for the duration of the build (see ``AttuneDAG``)."""
    dag.__dict__[_BUILDING] = True
    try:
        yield dag
    finally:
        del dag.__dict__[_BUILDING]
