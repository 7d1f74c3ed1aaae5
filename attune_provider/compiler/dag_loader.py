"""Turn every attune workflow under the configured folders into an Airflow DAG.

The DAG processor only imports ``.py`` files, so one small loader file (``dags/attune_dags.py``)
calls :func:`build_dags` with its ``globals()``; each compiled DAG becomes a module global.

Why it is shaped like this:

* **One broken workflow never hides the others.** Workflows are loaded per *source unit* (a
  pack folder or a standalone YAML file) and compiled one by one; any failure is caught and
  reported for that unit only.
* **Errors are visible in Airflow.** Import errors are per ``.py`` file in Airflow 3.3: the
  processor runs ``DagBag.process_file(loader.py)`` and stores ``DagBag.import_errors`` (a dict
  ``relative path -> text``) as ``ParseImportError`` rows, which the UI's "Import errors" panel
  and ``airflow dags list-import-errors`` show. We record each broken YAML file in the
  ``import_errors`` of the DagBag that is importing us, **keyed by the YAML file's path** and
  with ``file:line:column: error: message`` lines. The DagBag is found on the call stack (the
  ``self`` of ``DagBag.process_file``, which every Airflow parse path goes through: the dag
  processor, ``dags reserialize``, ``dags list-import-errors --local``, ``dag.test()``'s
  bundle sync and task workers); without one (a plain ``import``) the errors are logged.
  Airflow 3.3's ``DagImportResult`` (file, line, column per error) would be the cleaner
  channel, but only a custom importer can return it and the processor never asks importers
  for YAML files. Keying by the YAML path and not by the
  loader's own path matters: Airflow marks every DAG whose ``relative_fileloc`` equals an
  errored file as stale (``has_import_errors=True, is_stale=True``), which would hide all the
  good workflows. Two Airflow behaviours to know: the dag processor deletes import errors of
  files it does not list (only ``.py``) whenever it refreshes the bundle (every
  ``[dag_processor] refresh_interval``), and the error is written back at the next parse of
  the loader (``min_file_process_interval``); a fixed file's error also disappears at that
  refresh. Because of that gap, and so the error is visible where users look for their DAG,
  we *also* emit one **placeholder DAG per broken file** (``attune_load_error.<path>``), tagged
  ``attune:load-error``, whose ``doc_md`` shows the errors and whose only task fails with them
  (disable with ``error_dags=False``).
* **Fast re-parses.** The dag processor re-imports the loader every
  ``min_file_process_interval`` in a fresh process. Loaded workflows are cached by content:
  an in-process memo ``(path, mtime, size) -> sha256`` and ``unit digest -> loaded unit``,
  plus an on-disk pickle of the immutable loaded model under ``$AIRFLOW_HOME/attune-cache``
  (trusted like the DAG folder itself; files are written 0600 and atomically). The digest
  covers every YAML byte of the unit, the provider version and the spec loader's source
  files, so a change anywhere re-parses. Full builds prune entries unused for a week.
* **Workers build only their DAG.** When ``get_parsing_context().dag_id`` is set, an index
  ``dag_id -> source unit`` (kept in the cache folder) lets us load and compile that one unit
  and that one workflow; without an index entry we fall back to loading everything (cheap
  from the cache) and still compile only the requested workflow.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import json
import logging
import os
import pickle
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from attune_provider.spec.model import Location, PackSpec, SpecWarning, WorkflowSpec

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
ERROR_DAG_PREFIX = "attune_load_error."
ERROR_TAG = "attune:load-error"
_YAML_SUFFIXES = (".yaml", ".yml")
_INDEX_FILE = "dag-index.json"

UnitKind = Literal["pack", "file"]


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class SourceUnit:
    """What the spec loader reads in one go: a pack folder or one standalone workflow file."""

    kind: UnitKind
    path: Path
    root: Path  # the configured folder it was found in (for readable placeholder ids)

    def files(self) -> list[Path]:
        """Every file whose bytes decide what loading this unit yields, in a stable order."""
        if self.kind == "file":
            return [self.path]
        found = [p for p in self.path.iterdir() if p.is_file() and p.suffix in _YAML_SUFFIXES]
        for sub in ("actions", "workflows"):
            folder = self.path / sub
            if folder.is_dir():
                found.extend(p for p in folder.rglob("*") if p.is_file() and p.suffix in _YAML_SUFFIXES)
        return sorted(found)


@dataclass(frozen=True)
class Problem:
    """One reason a unit (or one workflow in it) produced no DAG: file, line, column and text."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: error: {self.message}"


@dataclass
class LoadedUnit:
    """The spec loader's result for one unit; pickled whole into the on-disk cache."""

    unit: SourceUnit
    workflows: list[WorkflowSpec] = field(default_factory=list)
    pack: PackSpec | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[SpecWarning] = field(default_factory=list)


@dataclass
class BuildReport:
    """What :func:`build_dags` did; handy for tests, the CLI and benchmarks."""

    dags: dict[str, Any] = field(default_factory=dict)  # dag_id -> DAG
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # file -> problems
    warnings: list[SpecWarning] = field(default_factory=list)
    units: int = 0
    cache_hits: int = 0
    only_dag_id: str | None = None


# --------------------------------------------------------------------------- discovery


def configured_folders() -> list[Path]:
    """``[attune] workflows_folder`` plus every ``[attune] packs_folder`` entry, existing ones only."""
    from attune_provider.config import settings

    current = settings()
    folders: list[Path] = []
    for folder in (current.workflows_folder, *current.packs_folders):
        resolved = Path(folder).expanduser().resolve()
        if resolved.exists() and resolved not in folders:
            folders.append(resolved)
    return folders


def discover_units(folders: Iterable[Path]) -> list[SourceUnit]:
    """Packs (folders with ``pack.yaml``) and standalone YAML files, depth first, sorted.

    A folder that is itself a pack is one unit. Inside a pack nothing else is a unit (its graph
    files belong to its actions). Hidden entries (``.git``, ``.cache``) and ``__x`` folders are
    skipped, as ``spec.loader.load_path`` does.
    """
    units: list[SourceUnit] = []
    seen: set[Path] = set()
    for folder in folders:
        root = Path(folder).expanduser().resolve()
        for unit in _walk(root, root):
            if unit.path not in seen:
                seen.add(unit.path)
                units.append(unit)
    return units


def _walk(path: Path, root: Path) -> Iterator[SourceUnit]:
    """Same rules as ``spec.loader.load_path``: packs whole, hidden and ``__x`` folders skipped."""
    from attune_provider.spec.loader import is_pack_folder

    if path.is_file():
        if path.suffix in _YAML_SUFFIXES:
            yield SourceUnit("file", path, root.parent if root == path else root)
        return
    if not path.is_dir():
        return
    if is_pack_folder(path):
        yield SourceUnit("pack", path, root)
        return
    for child in sorted(path.iterdir()):
        if child.name.startswith(".") or (child.is_dir() and child.name.startswith("__")):
            continue
        yield from _walk(child, root)


# --------------------------------------------------------------------------- cache


def _mapping_proxy(data: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(data)


class _SpecPickler(pickle.Pickler):
    """Pickles ``MappingProxyType`` (the model's read-only mappings) as a rebuilt proxy."""

    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[MappingProxyType] = lambda proxy: (_mapping_proxy, (dict(proxy),))


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _SpecPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


_FINGERPRINT: list[str] = []


def _loader_fingerprint() -> str:
    """Changes whenever the provider version or any spec-loader source file changes (memoised)."""
    if not _FINGERPRINT:
        import attune_provider
        import attune_provider.spec as spec_package

        parts = [str(CACHE_FORMAT), attune_provider.__version__, sys.version]
        with os.scandir(os.path.dirname(spec_package.__file__)) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    stat = entry.stat()
                    parts.append(f"{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
        _FINGERPRINT.append(hashlib.sha256("\n".join(parts).encode()).hexdigest())
    return _FINGERPRINT[0]


class SpecCache:
    """Content-addressed cache of loaded units: in-process memo plus pickles on disk.

    Safe with concurrent writers: entries are written to a temporary file and renamed, and a
    corrupt or unreadable entry is treated as a miss.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._file_hashes: dict[tuple[str, int, int], str] = {}
        self._units: dict[str, LoadedUnit] = {}
        self.hits = 0
        self.misses = 0

    @classmethod
    def default(cls) -> SpecCache:
        from attune_provider.config import airflow_home

        return cls(airflow_home() / "attune-cache")

    # --- hashing
    def file_sha256(self, path: Path) -> str:
        name = str(path)
        stat = os.stat(name)
        key = (name, stat.st_mtime_ns, stat.st_size)
        digest = self._file_hashes.get(key)
        if digest is None:
            with open(name, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            self._file_hashes[key] = digest
        return digest

    def unit_digest(self, unit: SourceUnit) -> str:
        digest = hashlib.sha256(f"{_loader_fingerprint()}\n{unit.kind}\n{unit.path}\n{unit.root}\n".encode())
        for file in unit.files():
            digest.update(f"{file}\0{self.file_sha256(file)}\n".encode())
        return digest.hexdigest()

    # --- lookups
    def load(self, unit: SourceUnit) -> LoadedUnit:
        """The unit's load result, from memory, disk, or the spec loader (then stored)."""
        try:
            digest = self.unit_digest(unit)
        except OSError as exc:  # file vanished while we listed it
            return LoadedUnit(unit, problems=[Problem(str(unit.path), 0, 0, f"cannot read: {exc}")])
        loaded = self._units.get(digest)
        if loaded is None:
            loaded = self._read(digest)
        if loaded is not None:
            self.hits += 1
        else:
            self.misses += 1
            loaded = load_unit(unit)
            self._write(digest, loaded)
        self._units[digest] = loaded
        return loaded

    def _entry(self, digest: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / "specs" / digest[:2] / f"{digest}.pickle"

    def _read(self, digest: str) -> LoadedUnit | None:
        entry = self._entry(digest)
        if entry is None:
            return None
        try:
            with entry.open("rb") as handle:
                value = pickle.load(handle)
            with contextlib.suppress(OSError):  # mark as used (see prune)
                os.utime(entry)
        except FileNotFoundError:
            return None
        except Exception as exc:  # corrupt / written by another version: re-parse
            log.warning("attune spec cache entry %s unreadable (%s); re-parsing", entry, exc)
            return None
        return value if isinstance(value, LoadedUnit) else None

    def _write(self, digest: str, loaded: LoadedUnit) -> None:
        entry = self._entry(digest)
        if entry is None:
            return
        try:
            data = _dumps(loaded)
        except Exception as exc:  # an unpicklable model value: keep working without the disk cache
            log.warning("attune spec cache: cannot pickle %s: %s", loaded.unit.path, exc)
            return
        _atomic_write(entry, data)

    # --- dag_id -> unit index (workers build only their DAG)
    def read_index(self) -> dict[str, str]:
        if self.directory is None:
            return {}
        try:
            value = json.loads((self.directory / _INDEX_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def prune(self, keep_days: float = 7.0, *, every_seconds: float = 3600.0) -> int:
        """Delete entries unused for ``keep_days`` (at most once per ``every_seconds``).

        Every cache hit refreshes an entry's mtime, so anything still in use survives; a
        process that loses a race simply re-parses. Returns the number of files deleted.
        """
        if self.directory is None:
            return 0
        marker = self.directory / ".last-prune"
        now = time.time()
        try:
            if now - marker.stat().st_mtime < every_seconds:
                return 0
        except OSError:
            pass
        _atomic_write(marker, b"")
        deleted = 0
        for entry in (self.directory / "specs").glob("*/*.pickle"):
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > keep_days * 86400:
                    entry.unlink()
                    deleted += 1
        return deleted

    def update_index(self, entries: dict[str, str], *, replace: bool) -> None:
        """Store ``dag_id -> unit path``; ``replace`` drops ids no longer built (full builds)."""
        if self.directory is None:
            return
        current = self.read_index()
        merged = dict(entries) if replace else {**current, **entries}
        if merged != current:
            _atomic_write(self.directory / _INDEX_FILE, json.dumps(merged, sort_keys=True).encode())


def _atomic_write(target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:  # read-only home, full disk: caching is an optimisation only
        log.warning("attune cache: cannot write %s: %s", target, exc)


# --------------------------------------------------------------------------- loading one unit


def load_unit(unit: SourceUnit) -> LoadedUnit:
    """Run the spec loader on one unit; never raises (problems are returned)."""
    from attune_provider.spec.errors import LoadError, SpecError

    loaded = LoadedUnit(unit)
    try:
        if unit.kind == "pack":
            from attune_provider.spec.loader import load_pack

            result = load_pack(unit.path)
            loaded.pack = result.pack
            loaded.workflows = list(result.workflows.values())
            loaded.problems = [_problem(error, unit.path) for error in result.errors]
            loaded.warnings = list(result.warnings)
        else:
            from attune_provider.spec.loader import load_workflow_file

            spec = load_workflow_file(unit.path)
            loaded.workflows = [spec]
            loaded.warnings = list(spec.warnings)
    except LoadError as exc:
        loaded.problems = [_problem(error, unit.path) for error in exc.errors] or [_problem(exc, unit.path)]
        loaded.warnings = list(exc.warnings)
    except SpecError as exc:
        loaded.problems = [_problem(exc, unit.path)]
    except Exception as exc:  # a loader bug must not take the other workflows down
        log.exception("attune: unexpected error loading %s", unit.path)
        loaded.problems = [Problem(str(unit.path), 0, 0, f"{type(exc).__name__}: {exc}")]
    return loaded


def _problem(error: BaseException, fallback: Path) -> Problem:
    """A ``Problem`` from a SpecError-like (``.location``/``.message``/``.hint``) or any exception."""
    location = getattr(error, "location", None)
    message = getattr(error, "message", None) or str(error)
    hint = getattr(error, "hint", None)
    if hint:
        message = f"{message} (hint: {hint})"
    if isinstance(location, Location):
        return Problem(location.file or str(fallback), location.line, location.column, message)
    errors = getattr(error, "errors", None)
    if errors:  # LoadError-like wrapper: take the first located one
        return _problem(errors[0], fallback)
    return Problem(str(fallback), 0, 0, message)


def _compile_problems(exc: BaseException, spec: WorkflowSpec) -> list[Problem]:
    """Problems for a compile failure, located in the workflow's graph file when possible."""
    fallback = spec.source_file or spec.action_file or Path(spec.ref)
    nested = getattr(exc, "errors", None)
    if nested:
        return [_problem(error, fallback) for error in nested]
    problem = _problem(exc, fallback)
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


# --------------------------------------------------------------------------- building DAGs


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
        registry_holder[0] = _make_registry(loaded_units, roots)
    return compile_workflow(spec, registry=registry_holder[0])


def _make_registry(loaded_units: list[LoadedUnit], roots: list[Path]) -> Any:
    """One action registry per build, seeded with the packs we already loaded (no re-parse)."""
    from attune_provider.actions import ActionRegistry
    from attune_provider.config import settings

    packs = [loaded.pack for loaded in loaded_units if loaded.pack is not None]
    current = settings()
    folders = [*roots, current.workflows_folder, *current.packs_folders]
    unique = [f for f in dict.fromkeys(Path(f) for f in folders) if f.exists()]
    return ActionRegistry(packs_folders=unique, packs=packs)


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


# --------------------------------------------------------------------------- error reporting


def format_problems(file: str, problems: Sequence[Problem]) -> str:
    """The import-error text for one file: a headline plus one ``file:line:col`` line per problem."""
    noun = "problem" if len(problems) == 1 else "problems"
    lines = [f"attune workflow file {file}: {len(problems)} {noun}"]
    lines.extend(str(problem) for problem in problems)
    return "\n".join(lines)


def record_import_errors(problems: dict[str, list[Problem]]) -> bool:
    """Add each file's problems to the ``import_errors`` of the DagBag importing us.

    Returns False when no DagBag is on the stack (plain ``import``); the errors are then only
    logged (and still shown by the placeholder DAGs).
    """
    bag = _importing_dagbag()
    for file, items in problems.items():
        text = format_problems(file, items)
        log.error("%s", text)
        if bag is not None:
            bag.import_errors[_bag_key(bag, file)] = text
    return bag is not None


def _importing_dagbag() -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # pragma: no cover
        return None
    frame = sys._getframe(1)
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, DagBag):
            return candidate
        frame = frame.f_back
    return None


def _bag_key(bag: Any, file: str) -> str:
    """The bag's key style: relative to the bundle when inside it, else the absolute path."""
    bundle_path = getattr(bag, "bundle_path", None)
    if bundle_path:
        with contextlib.suppress(ValueError):
            return str(Path(file).resolve().relative_to(Path(bundle_path).resolve()))
    return str(file)


def error_dag_id(file: Path, root: Path | None) -> str:
    """``attune_load_error.<path relative to its folder>`` with characters Airflow rejects replaced."""
    relative = file
    if root is not None:
        with contextlib.suppress(ValueError):
            relative = file.resolve().relative_to(root)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", relative.as_posix().replace("/", "."))
    return (ERROR_DAG_PREFIX + slug.strip("._"))[:250]


def fail_with_load_error(message: str) -> None:
    """The placeholder DAG's task: fail (no retry) with the load error text."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(message)


def make_error_dag(dag_id: str, file: str, problems: Sequence[Problem]) -> Any:
    """A DAG that shows a broken workflow file's errors and fails with them when triggered."""
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG

    text = format_problems(file, problems)
    rows = "\n".join(f"| {p.line or ''} | {p.column or ''} | {_md_cell(p.message)} |" for p in problems)
    doc = (
        f"### attune workflow failed to load\n\n`{file}`\n\n"
        f"| line | column | problem |\n|---|---|---|\n{rows}\n\n"
        "Fix the file; the real DAG replaces this one at the next parse."
    )
    first = problems[0].message if problems else "load error"
    with DAG(
        dag_id=dag_id,
        schedule=None,
        description=f"attune load error: {Path(file).name}: {first}"[:1000],
        doc_md=doc,
        tags=["attune", ERROR_TAG],
        is_paused_upon_creation=True,
        params={},
    ) as dag:
        PythonOperator(
            task_id="load_error",
            python_callable=fail_with_load_error,
            op_args=[text],
            retries=0,
            doc_md=f"```\n{text}\n```",
        )
    return dag


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
