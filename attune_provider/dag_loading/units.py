"""What the DAG processor reads: source units (a pack or a standalone file) and loading one.

Discovery walks the folders exactly as ``spec.loader.load_path`` does (the same
``iter_sources``), so ``validate`` and the DAG processor see the same units. Loading a unit
never raises: every problem becomes a located :class:`Problem`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from attune_provider.spec.model import Location, PackSpec, SpecWarning, WorkflowSpec

log = logging.getLogger(__name__)

YAML_SUFFIXES = (".yaml", ".yml")

UnitKind = Literal["pack", "file"]


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
        found = [p for p in self.path.iterdir() if p.is_file() and p.suffix in YAML_SUFFIXES]
        for sub in ("actions", "workflows", "rules", "triggers", "sensors"):  # rules: spec/rules.py
            folder = self.path / sub
            if folder.is_dir():
                found.extend(p for p in folder.rglob("*") if p.is_file() and p.suffix in YAML_SUFFIXES)
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
    """Packs and standalone YAML files under ``folders`` (``spec.loader.iter_sources``' walk).

    A folder that is itself a pack is one unit; inside a pack nothing else is a unit (its graph
    files belong to its actions). A unit reached from two folders is listed once.
    """
    from attune_provider.spec.loader import iter_sources

    units: list[SourceUnit] = []
    seen: set[Path] = set()
    for folder in folders:
        root = Path(folder).expanduser().resolve()
        if not root.exists():
            continue
        label_root = root.parent if root.is_file() else root
        for kind, path in iter_sources(root):
            if path not in seen:
                seen.add(path)
                units.append(SourceUnit(kind, path, label_root))
    return units


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
            loaded.problems = [problem_from(error, unit.path) for error in result.errors]
            loaded.warnings = list(result.warnings)
        else:
            from attune_provider.spec.loader import load_workflow_file

            spec = load_workflow_file(unit.path)
            loaded.workflows = [spec]
            loaded.warnings = list(spec.warnings)
    except LoadError as exc:
        loaded.problems = [problem_from(error, unit.path) for error in exc.errors] or [problem_from(exc, unit.path)]
        loaded.warnings = list(exc.warnings)
    except SpecError as exc:
        loaded.problems = [problem_from(exc, unit.path)]
    except Exception as exc:  # a loader bug must not take the other workflows down
        log.exception("attune: unexpected error loading %s", unit.path)
        loaded.problems = [Problem(str(unit.path), 0, 0, f"{type(exc).__name__}: {exc}")]
    return loaded


def problem_from(error: BaseException, fallback: Path) -> Problem:
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
        return problem_from(errors[0], fallback)
    return Problem(str(fallback), 0, 0, message)
