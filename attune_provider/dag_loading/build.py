"""Orchestration: compile every workflow under the configured folders into Airflow DAGs.

One broken workflow never hides the others: units load one by one (through the cache), each
workflow compiles on its own, and every failure becomes a located problem shown by
:mod:`~attune_provider.dag_loading.placeholders`. Workers build only their DAG: when
``get_parsing_context().dag_id`` is set, an index ``dag_id -> unit`` in the cache folder lets
us load and compile that one unit (falling back to everything when the index is stale).
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attune_provider.dag_loading.cache import SpecCache
from attune_provider.dag_loading.placeholders import (
    ERROR_DAG_PREFIX,
    error_dag_id,
    make_error_dag,
    record_import_errors,
)
from attune_provider.dag_loading.units import (
    LoadedUnit,
    Problem,
    SourceUnit,
    configured_folders,
    discover_units,
    problem_from,
)
from attune_provider.spec.model import SpecWarning, WorkflowSpec

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What :func:`build_dags` did; handy for tests, the CLI and benchmarks."""

    dags: dict[str, Any] = field(default_factory=dict)  # dag_id -> DAG
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # file -> problems
    warnings: list[SpecWarning] = field(default_factory=list)
    units: int = 0
    cache_hits: int = 0
    only_dag_id: str | None = None


def _compile_problems(exc: BaseException, spec: WorkflowSpec) -> list[Problem]:
    """Problems for a compile failure, located in the workflow's graph file when possible."""
    fallback = spec.source_file or spec.action_file or Path(spec.ref)
    nested = getattr(exc, "errors", None)
    if nested:
        return [problem_from(error, fallback) for error in nested]
    problem = problem_from(exc, fallback)
    if not getattr(exc, "location", None) and not problem.line:
        name = getattr(exc, "task", None) or getattr(exc, "task_name", None)
        if name:
            with contextlib.suppress(KeyError):
                task_location = spec.task(name).location
                if task_location:
                    problem = Problem(
                        task_location.file, task_location.line, task_location.column, problem.message
                    )
    message = problem.message
    if f"workflow '{spec.ref}'" not in message:
        message = f"workflow '{spec.ref}': {message}"
    return [Problem(problem.file, problem.line, problem.column, message)]


def build_dags(
    namespace: MutableMapping[str, Any] | None = None,
    *,
    folders: Sequence[str | Path] | None = None,
    error_dags: bool = True,
    cache: SpecCache | None = None,
    registry: Any = None,
    only_dag_id: str | None = None,
    _shortcut: bool = True,
) -> BuildReport:
    """Compile every workflow under ``folders`` (default: the ``[attune]`` settings) into DAGs.

    Each DAG is stored in ``namespace`` under a module-safe name (the DAG processor collects
    every ``DAG`` among a module's globals). ``only_dag_id`` defaults to Airflow's parsing
    context so a worker compiles only the DAG it runs. Never raises for a broken workflow:
    see the module docstring for where errors go.
    """
    resolved = [Path(f).expanduser().resolve() for f in folders] if folders is not None else None
    roots = resolved if resolved is not None else configured_folders()
    cache = cache if cache is not None else SpecCache.default()
    if only_dag_id is None:
        only_dag_id = _parsing_dag_id()
    report = BuildReport(only_dag_id=only_dag_id)

    loaded_units = _load_units(roots, cache, only_dag_id, shortcut=_shortcut)
    report.units = len(loaded_units)
    report.cache_hits = cache.hits

    index: dict[str, str] = {}
    seen_refs: dict[str, str] = {}
    registry_holder: list[Any] = [registry]
    for loaded in loaded_units:
        unit_key = str(loaded.unit.path)
        report.warnings.extend(loaded.warnings)
        for problem in loaded.problems:
            report.problems.setdefault(problem.file, []).append(problem)
        for spec in loaded.workflows:
            dag_id = spec.ref
            if dag_id in seen_refs and seen_refs[dag_id] != unit_key:
                where = spec.action_file or spec.source_file or loaded.unit.path
                report.problems.setdefault(str(where), []).append(
                    Problem(
                        str(where), 0, 0, f"workflow ref '{dag_id}' is already defined in {seen_refs[dag_id]}"
                    )
                )
                continue
            seen_refs[dag_id] = index[dag_id] = unit_key
            if only_dag_id is not None and dag_id != only_dag_id:
                continue
            try:
                dag = _compile(spec, loaded_units, roots, registry_holder)
            except Exception as exc:
                log.warning("attune: cannot compile %s: %s", dag_id, exc)
                for problem in _compile_problems(exc, spec):
                    report.problems.setdefault(problem.file, []).append(problem)
                continue
            report.dags[dag.dag_id] = dag

    for file, problems in report.problems.items():
        unit = _unit_of(file, loaded_units)
        error_id = error_dag_id(Path(file), unit.root if unit else None)
        index[error_id] = str(unit.path) if unit else file
        if error_dags and (only_dag_id is None or only_dag_id == error_id):
            report.dags[error_id] = make_error_dag(error_id, file, problems)

    if only_dag_id is not None and only_dag_id not in report.dags and report.units == 1 and _shortcut:
        # the indexed unit alone did not build (e.g. an action of a pack elsewhere): full load
        return build_dags(
            namespace, folders=roots, error_dags=error_dags, cache=cache, registry=registry,
            only_dag_id=only_dag_id, _shortcut=False,
        )  # fmt: skip
    cache.update_index(index, replace=only_dag_id is None)
    if only_dag_id is None:
        cache.prune()
    _publish(namespace, report)
    return report


def _parsing_dag_id() -> str | None:
    try:
        from airflow.sdk import get_parsing_context
    except ImportError:  # pragma: no cover - Airflow < 3
        return None
    return get_parsing_context().dag_id


def _load_units(
    roots: list[Path], cache: SpecCache, only_dag_id: str | None, *, shortcut: bool = True
) -> list[LoadedUnit]:
    """Load every unit, or only the indexed unit of ``only_dag_id`` when that yields it."""
    if only_dag_id is not None and shortcut:
        unit_path = cache.read_index().get(only_dag_id)
        if unit_path:
            unit = _unit_for_path(Path(unit_path), roots)
            if unit is not None:
                loaded = cache.load(unit)
                produced = {spec.ref for spec in loaded.workflows}
                if only_dag_id in produced or only_dag_id.startswith(ERROR_DAG_PREFIX):
                    return [loaded]
    return [cache.load(unit) for unit in discover_units(roots)]


def _unit_for_path(path: Path, roots: list[Path]) -> SourceUnit | None:
    """The unit at ``path`` if it still exists under one of the configured folders."""
    root = next((r for r in roots if path == r or r in path.parents), None)
    if root is None or not path.exists():
        return None
    if path.is_dir():
        from attune_provider.spec.loader import is_pack_folder

        return SourceUnit("pack", path, root) if is_pack_folder(path) else None
    return SourceUnit("file", path, root if root != path else root.parent)


def _unit_of(file: str, loaded_units: list[LoadedUnit]) -> SourceUnit | None:
    path = Path(file)
    for loaded in loaded_units:
        unit = loaded.unit
        if path == unit.path or unit.path in path.parents:
            return unit
    return None


def _compile(
    spec: WorkflowSpec, loaded_units: list[LoadedUnit], roots: list[Path], registry_holder: list[Any]
) -> Any:
    from attune_provider.compiler import compile_workflow

    if registry_holder[0] is None:
        registry_holder[0] = make_registry(loaded_units, roots)
    return compile_workflow(spec, registry=registry_holder[0])


def make_registry(loaded_units: list[LoadedUnit], roots: list[Path]) -> Any:
    """One action registry per build, seeded with the packs we already loaded (no re-parse)."""
    from attune_provider.actions.registries import action_registry

    return action_registry(packs=[loaded.pack for loaded in loaded_units if loaded.pack is not None], folders=roots)


def _publish(namespace: MutableMapping[str, Any] | None, report: BuildReport) -> None:
    """Put DAGs into the loader module and hand errors and warnings to the importing DagBag."""
    if namespace is not None:
        for dag_id, dag in report.dags.items():
            namespace[_global_name(dag_id)] = dag
    for warning in report.warnings:
        location = warning.location
        warnings.warn_explicit(
            f"attune: {warning.message}", UserWarning, filename=location.file, lineno=location.line or 0
        )
    if report.problems:
        record_import_errors(report.problems)


def _global_name(dag_id: str) -> str:
    return "dag__" + re.sub(r"\W", "_", dag_id)


