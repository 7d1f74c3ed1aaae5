"""Finding and loading attune files: single workflow files, packs, and folders of both.

The loader never lets one bad file hide the others: ``load_pack`` and ``load_path`` collect
every ``SpecError`` and return whatever loaded. Only the single-file functions raise.

Ref rules:
- standalone file: its ``ref``; without one, the file name without ``.yaml``/``.yml`` and
  ``.workflow`` (``deploy_app.workflow.yaml`` -> ``deploy_app``);
- standalone file in a pack's ``workflows/`` folder without a ``ref``: ``<pack>.<stem>``;
- action-linked workflow: the action's ``ref`` (``<pack>.<name>``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from attune_provider.spec.action_checks import check_action
from attune_provider.spec.codes import DUPLICATE_REF, FILE_UNREADABLE
from attune_provider.spec.errors import LoadError, SpecError
from attune_provider.spec.metadata import parse_action, parse_pack_metadata
from attune_provider.spec.model import ActionSpec, Location, PackSpec, SpecWarning, WorkflowSpec
from attune_provider.spec.report import Report
from attune_provider.spec.rules import pack_rules
from attune_provider.spec.workflow import build_workflow, ref_from_filename
from attune_provider.spec.yaml_source import YamlDocument, read_yaml

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class LoadedPack:
    pack: PackSpec
    workflows: dict[str, WorkflowSpec] = field(default_factory=dict)
    errors: list[SpecError] = field(default_factory=list)
    warnings: list[SpecWarning] = field(default_factory=list)


@dataclass
class LoadResult:
    workflows: dict[str, WorkflowSpec] = field(default_factory=dict)
    packs: dict[str, PackSpec] = field(default_factory=dict)
    errors: list[SpecError] = field(default_factory=list)
    warnings: list[SpecWarning] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def load_action_file(path: str | Path, pack_ref: str | None = None) -> ActionSpec:
    """Load one action metadata file; raises ``LoadError``."""
    path = Path(path)
    return parse_action(read_yaml(path), pack_ref, _pack_root(path))


def load_workflow_file(path: str | Path, *, ref: str | None = None) -> WorkflowSpec:
    """Load one workflow file on its own; raises ``LoadError`` listing every problem.

    A standalone/legacy file or a graph file (``ref`` from the file, else ``ref`` argument,
    else the file name). An action file with ``workflow_file`` loads its linked graph.
    """
    path = Path(path)
    doc = read_yaml(path)
    if _is_action_file(doc):
        action = parse_action(doc, None, _pack_root(path))
        return _load_linked_workflow(action, doc, None)
    return build_workflow(doc, default_ref=ref)


def load_pack(path: str | Path) -> LoadedPack:
    """Load ``pack.yaml``, every ``actions/*.yaml`` and the pack's workflows; never raises.

    Without ``pack.yaml`` the folder name is the pack ref (with a warning).
    """
    root = Path(path)
    errors: list[SpecError] = []
    warnings: list[SpecWarning] = []
    fields: dict = {"ref": root.name}
    if (root / "pack.yaml").is_file():
        try:
            fields, report = parse_pack_metadata(read_yaml(root / "pack.yaml"), root.name)
            errors.extend(report.errors)
            warnings.extend(report.warnings)
        except LoadError as exc:
            errors.extend(exc.errors)
    else:  # attune's docs ship packs as just actions/; the folder name is the pack ref
        warnings.append(
            SpecWarning(
                Location(str(root)),
                f"no pack.yaml: pack ref '{root.name}' taken from the folder name",
                "no-pack-yaml",
            )
        )
    pack_ref = fields["ref"]

    actions: dict[str, ActionSpec] = {}
    docs: dict[str, YamlDocument] = {}
    for file in _yaml_files(root / "actions"):
        try:
            doc = read_yaml(file)
        except LoadError as exc:
            errors.extend(exc.errors)
            continue
        found_errors, found_warnings = check_action(doc)  # reported; a well-formed action stays
        errors.extend(found_errors)
        warnings.extend(found_warnings)
        try:
            action = parse_action(doc, pack_ref, root)
        except LoadError as exc:
            errors.extend(exc.errors)
            warnings.extend(exc.warnings)
            continue
        if action.ref in actions:
            errors.append(_duplicate(action.ref, action.source_file, actions[action.ref].source_file))
            continue
        actions[action.ref] = action
        docs[action.ref] = doc
        if action.workflow_file is None:
            warnings.extend(action.warnings)
    pack = PackSpec(path=root, actions=actions, warnings=tuple(warnings), **fields)

    workflows: dict[str, WorkflowSpec] = {}

    def add(load, origin: Path | None) -> None:
        try:
            workflow = load()
        except LoadError as exc:
            errors.extend(exc.errors)
            warnings.extend(exc.warnings)
            return
        if workflow.ref in workflows:
            errors.append(_duplicate(workflow.ref, origin, workflows[workflow.ref].action_file
                                     or workflows[workflow.ref].source_file))  # fmt: skip
            return
        workflows[workflow.ref] = workflow
        warnings.extend(workflow.warnings)

    for ref, action in actions.items():
        if action.workflow_file is not None:
            add(lambda a=action, d=docs[ref]: _load_linked_workflow(a, d, pack), action.source_file)
    for file in _yaml_files(root / "workflows"):
        add(lambda f=file: _load_pack_standalone(f, pack), file)
    scheduled, rule_errors, rule_warnings = pack_rules(pack, workflows)  # after the workflows they run
    errors.extend(rule_errors)
    warnings.extend(rule_warnings)
    for workflow in scheduled:
        add(lambda w=workflow: w, workflow.rule_file)
    linked = {(root / "actions" / a.workflow_file).resolve() for a in actions.values() if a.workflow_file}
    for file in _yaml_files(root / "actions" / "workflows"):
        if file.resolve() not in linked:
            warnings.append(
                SpecWarning(
                    Location(str(file)),
                    "graph file is not named by any action's workflow_file, so it is not loaded",
                    "unlinked-graph",
                )
            )
    return LoadedPack(pack=pack, workflows=workflows, errors=errors, warnings=_unique(warnings))


def load_path(path: str | Path) -> LoadResult:
    """Load a workflow file, a pack folder, or a folder holding packs and/or workflow files.

    Folders are searched recursively (hidden folders skipped); a folder with ``pack.yaml`` is
    a pack (so is one with an ``actions/`` folder) and is loaded as a whole. Never raises for bad content: see ``errors``.
    """
    result = LoadResult()
    origins: dict[str, Path] = {}
    root = Path(path)
    if not root.exists():
        result.errors.append(SpecError(Location(str(root)), "no such file or folder", code=FILE_UNREADABLE))
        return result
    if root.is_file():
        pack_root = enclosing_pack(root)
        if pack_root is not None:
            _add_pack_member(result, origins, load_pack(pack_root), root)
        else:
            _add_file(result, origins, root)
        result.warnings = _unique(result.warnings)
        return result
    for kind, source in iter_sources(root):
        if kind == "pack":
            _add_pack(result, origins, load_pack(source))
        else:
            _add_file(result, origins, source)
    result.warnings = _unique(result.warnings)
    return result


def iter_sources(root: Path) -> Iterator[tuple[Literal["pack", "file"], Path]]:
    """The packs and standalone YAML files under ``root``, breadth first, sorted per folder.

    A pack folder is yielded whole (nothing inside it is a source of its own); hidden entries
    (``.git``) and ``__x`` folders are skipped; a folder reached twice through a symbolic link
    is walked once. ``root`` may itself be a pack or a file.
    """
    if root.is_file():
        yield "file", root
        return
    seen: set[Path] = set()
    pending = [root]
    while pending:
        folder = pending.pop(0)
        real = folder.resolve()
        if real in seen:
            continue
        seen.add(real)
        if is_pack_folder(folder):
            yield "pack", folder
            continue
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_file() and entry.suffix in YAML_SUFFIXES and not entry.name.startswith("."):
                yield "file", entry
        pending.extend(
            entry for entry in entries
            if entry.is_dir() and not entry.name.startswith((".", "__"))
        )  # fmt: skip


# --- helpers ---------------------------------------------------------------------------------


def _load_linked_workflow(
    action: ActionSpec, action_doc: YamlDocument, pack: PackSpec | None
) -> WorkflowSpec:
    """Graph file named by ``workflow_file`` (relative to the action file's folder)."""
    actions_dir = action.source_file.parent if action.source_file else Path(".")
    graph = actions_dir / (action.workflow_file or "")
    report = Report(action_doc)
    try:
        inside = graph.resolve().is_relative_to((actions_dir / "workflows").resolve())
    except OSError:
        inside = False
    if not inside:
        report.error(("workflow_file",), f"'workflow_file' {action.workflow_file!r} resolves outside actions/workflows/",
                     "symbolic links must not lead out of the pack")  # fmt: skip
    elif not graph.is_file():
        report.error(
            ("workflow_file",), f"workflow file {action.workflow_file!r} not found (looked for {graph})"
        )
    if report.errors:
        raise LoadError(report.errors, action.warnings)
    return build_workflow(read_yaml(graph), action=action, action_doc=action_doc, pack=pack)


def _load_pack_standalone(file: Path, pack: PackSpec) -> WorkflowSpec:
    return build_workflow(read_yaml(file), default_ref=f"{pack.ref}.{ref_from_filename(file)}", pack=pack)


def _is_action_file(doc: YamlDocument) -> bool:
    return isinstance(doc.data, dict) and "workflow_file" in doc.data and "tasks" not in doc.data


def enclosing_pack(file: Path) -> Path | None:
    """The pack a file belongs to: the nearest folder upwards with ``pack.yaml``.

    A file directly in a folder called ``actions`` or ``workflows`` whose parent has no
    ``pack.yaml`` still belongs to that parent when it has an ``actions/`` folder (attune's docs
    ship packs without ``pack.yaml``).
    """
    file = file.resolve()
    for folder in file.parents:
        if (folder / "pack.yaml").is_file():
            return folder
    for folder in file.parents:
        if folder.name in ("actions", "workflows", "rules") and (folder.parent / "actions").is_dir():
            return folder.parent
    return None


def is_pack_folder(folder: Path) -> bool:
    """A pack has ``pack.yaml``, or (as in attune's docs) at least an ``actions/`` folder."""
    return (folder / "pack.yaml").is_file() or (folder / "actions").is_dir()


def _pack_root(path: Path) -> Path | None:
    """``<pack>/actions/x.yaml`` -> ``<pack>``."""
    return path.parent.parent if path.parent.name == "actions" else None


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        entry for entry in folder.iterdir()
        if entry.is_file() and entry.suffix in YAML_SUFFIXES and not entry.name.startswith(".")
    )  # fmt: skip


def _add_file(result: LoadResult, origins: dict[str, Path], file: Path) -> None:
    try:
        workflow = load_workflow_file(file)
    except LoadError as exc:
        result.errors.extend(exc.errors)
        result.warnings.extend(exc.warnings)
        return
    _add_workflow(result, origins, workflow, file)


def _add_pack_member(result: LoadResult, origins: dict[str, Path], loaded: LoadedPack, file: Path) -> None:
    """Only what ``file`` (an action, graph or workflow file of the pack) defines, in its pack.

    Problems of the pack's other files stay out, except those of ``pack.yaml`` (they apply to
    every member); the pack itself is registered so its actions resolve.
    """
    file = file.resolve()
    result.packs[loaded.pack.ref] = loaded.pack
    relevant = {file, (loaded.pack.path / "pack.yaml").resolve()}
    for action in loaded.pack.actions.values():  # an action file and its graph file go together
        if action.workflow_file and action.source_file:
            pair = {action.source_file.resolve(), (action.source_file.parent / action.workflow_file).resolve()}
            if file in pair:
                relevant |= pair
    for workflow in loaded.workflows.values():
        members = {Path(p).resolve() for p in (workflow.source_file, workflow.action_file) if p}
        if workflow.rule_file is not None:  # a rule's DAG belongs to its rule file only
            members = {workflow.rule_file.resolve()}
        if file in members:
            relevant |= members
            _add_workflow(result, origins, workflow, workflow.rule_file or workflow.action_file or workflow.source_file)
    result.errors.extend(e for e in loaded.errors if _resolved(e.location.file) in relevant)
    result.warnings.extend(w for w in loaded.warnings if _resolved(w.location.file) in relevant)


def _resolved(file: str | None) -> Path | None:
    return Path(file).resolve() if file else None


def _add_pack(result: LoadResult, origins: dict[str, Path], loaded: LoadedPack) -> None:
    result.errors.extend(loaded.errors)
    result.warnings.extend(loaded.warnings)
    if loaded.pack.ref in result.packs:
        result.errors.append(_duplicate(loaded.pack.ref, loaded.pack.path / "pack.yaml",
                                        result.packs[loaded.pack.ref].path / "pack.yaml", what="pack"))  # fmt: skip
        return
    result.packs[loaded.pack.ref] = loaded.pack
    for workflow in loaded.workflows.values():
        _add_workflow(result, origins, workflow, workflow.rule_file or workflow.action_file or workflow.source_file)


def _add_workflow(
    result: LoadResult, origins: dict[str, Path], workflow: WorkflowSpec, origin: Path | None
) -> None:
    origin = origin or Path("?")
    if workflow.ref in result.workflows:
        result.errors.append(_duplicate(workflow.ref, origin, origins[workflow.ref]))
        return
    origins[workflow.ref] = origin
    result.workflows[workflow.ref] = workflow
    result.warnings.extend(workflow.warnings)


def _duplicate(ref: str, here: Path | None, first: Path | None, what: str = "workflow") -> SpecError:
    return SpecError(
        Location(str(here)),
        f"{what} ref '{ref}' is already defined by {first}; this one is skipped",
        f"give each {what} a unique ref",
        DUPLICATE_REF,
    )


def _unique(warnings: Iterable[SpecWarning]) -> list[SpecWarning]:
    return list(dict.fromkeys(warnings))
