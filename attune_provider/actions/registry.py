"""Action ref -> runnable :class:`Action` (reference 9).

Resolution order for a ref (first match wins):

1. actions registered on this registry with :meth:`ActionRegistry.register` (test doubles);
2. ``airflow:dotted.path.Operator`` -> :class:`OperatorAction`;
3. ``module:function`` -> :class:`PythonCallableAction`;
4. built-in core actions (``core.echo``, ``core.noop``, ``core.local``, ``core.shell``,
   ``core.http_request``, ``core.sleep``): portable versions of attune's core pack, so they
   win over a ``core`` pack on the path; other ``core.*`` refs come from such a pack;
5. actions installed by Python packages: entry point group ``attune_provider.actions``, entry
   point name = the action ref, value = a callable (becomes a Python action) or an
   :class:`Action` instance;
6. pack actions ``<pack>.<name>``: packs given as ``packs=``, then the ``packs_folders`` (default
   ``[attune] packs_folder``; a folder may be a pack or hold packs), then packs installed as
   Python packages (entry point group ``attune_provider.packs`` whose object is a pack folder
   path, or a callable returning one or a list of them). The first pack with a ref wins.

A pack action with ``workflow_file`` resolves to a :class:`WorkflowAction` (kind "workflow"):
the compiler runs it as a child DAG; it is not runnable here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml

from attune_provider.actions.base import Action, RunContext
from attune_provider.actions.callables import CallableImportError, PythonCallableAction, import_callable
from attune_provider.actions.core_actions import CORE_ACTION_REFS, core_action
from attune_provider.actions.operator_action import PREFIX as AIRFLOW_PREFIX
from attune_provider.actions.operator_action import OperatorAction, OperatorImportError, import_operator
from attune_provider.actions.pack_runner import PackAction
from attune_provider.actions.result import ActionResult
from attune_provider.spec.loader import is_pack_folder, load_pack
from attune_provider.spec.model import ActionSpec, PackSpec

ACTIONS_ENTRY_POINT_GROUP = "attune_provider.actions"
PACKS_ENTRY_POINT_GROUP = "attune_provider.packs"


class UnknownActionError(LookupError):
    """An ``action:`` ref nothing resolves; names the ref and every place searched.

    ``where`` (e.g. ``"workflow.yaml:12:5: task 'fetch'"``) is added by the compiler through
    :meth:`at`.
    """

    def __init__(
        self, ref: str, searched: Iterable[str], reason: str | None = None, where: str | None = None
    ):
        self.ref = ref
        self.searched = tuple(searched)
        self.reason = reason
        self.where = where
        super().__init__(str(self))

    def __reduce__(self):  # keep every field across pickling (the task runner may pickle errors)
        return (type(self), (self.ref, self.searched, self.reason, self.where))

    def at(self, where: str) -> UnknownActionError:
        return UnknownActionError(self.ref, self.searched, self.reason, where)

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        text = f"{prefix}unknown action '{self.ref}'"
        if self.reason:
            text += f": {self.reason}"
        if self.searched:
            text += "; searched: " + "; ".join(self.searched)
        return text


class WorkflowAction(Action):
    """A pack action whose metadata has ``workflow_file``: a nested workflow (child DAG)."""

    kind = "workflow"

    def __init__(self, spec: ActionSpec):
        self.spec = spec
        self.ref = spec.ref
        self.parameters = spec.parameters
        self.description = spec.description

    @property
    def workflow_path(self) -> Path | None:
        """The graph file (``actions/<workflow_file>``), when the pack folder is known."""
        if self.spec.workflow_file is None:
            return None
        root = self.spec.pack_path or (
            Path(self.spec.source_file).resolve().parent.parent if self.spec.source_file else None
        )
        return Path(root).resolve() / "actions" / self.spec.workflow_file if root else None

    def _execute(self, values: dict[str, Any], run: RunContext) -> ActionResult:
        return ActionResult.failure(
            f"action '{self.ref}' is a workflow ({self.spec.workflow_file}); it runs as a child DAG, "
            "not as an action"
        )


class ActionRegistry:
    """Resolve ``action:`` refs; caches packs it loaded (one registry per process is plenty)."""

    def __init__(
        self,
        packs_folders: Iterable[str | Path] | None = None,
        packs: Iterable[PackSpec | str | Path] = (),
        entry_point_group: str | None = ACTIONS_ENTRY_POINT_GROUP,
        pack_entry_point_group: str | None = PACKS_ENTRY_POINT_GROUP,
        python_interpreter: str | None = None,
    ):
        if packs_folders is None:
            from attune_provider.config import settings

            packs_folders = settings().packs_folders
        self.packs_folders: tuple[Path, ...] = tuple(Path(p) for p in packs_folders)
        self._explicit_packs = tuple(packs)
        self.entry_point_group = entry_point_group
        self.pack_entry_point_group = pack_entry_point_group
        self.python_interpreter = python_interpreter
        self._registered: dict[str, Action] = {}
        self._resolved: dict[str, Action] = {}
        self._pack_index: dict[str, PackSpec | Path] | None = None
        self._loaded_packs: dict[str, Mapping[str, ActionSpec]] = {}
        self._pack_errors: dict[str, list[str]] = {}
        self._lock = threading.RLock()
        self.warnings: list[str] = []

    # -- registration ---------------------------------------------------------------------
    def register(self, ref: str, action: Action | Callable[..., Any]) -> Action:
        """Register ``action`` (an Action, or a plain callable -> Python action) under ``ref``."""
        if not isinstance(action, Action):
            if not callable(action):
                raise TypeError(f"register({ref!r}, ...): expected an Action or a callable, got {action!r}")
            action = PythonCallableAction(ref, action)
        with self._lock:
            self._registered[ref] = action
            self._resolved.pop(ref, None)
        return action

    # -- resolution -----------------------------------------------------------------------
    def resolve(self, ref: str) -> Action:
        """The action for ``ref``; raises :class:`UnknownActionError`."""
        if not isinstance(ref, str) or not ref.strip():
            raise UnknownActionError(str(ref), (), "an action ref must be a non-empty string")
        ref = ref.strip()
        with self._lock:
            if ref in self._registered:
                return self._registered[ref]
            cached = self._resolved.get(ref)
            if cached is not None:
                return cached
            action = self._resolve_uncached(ref)
            self._resolved[ref] = action
            return action

    def __contains__(self, ref: str) -> bool:
        try:
            self.resolve(ref)
        except UnknownActionError:
            return False
        return True

    def _resolve_uncached(self, ref: str) -> Action:
        if ref.startswith(AIRFLOW_PREFIX):
            path = ref[len(AIRFLOW_PREFIX) :]
            try:
                return OperatorAction(ref, import_operator(path))
            except OperatorImportError as exc:
                raise UnknownActionError(ref, ["Airflow operator import"], str(exc)) from exc
        if ":" in ref:
            try:
                return PythonCallableAction(ref, import_callable(ref))
            except CallableImportError as exc:
                raise UnknownActionError(ref, ["Python callable import (module:function)"], str(exc)) from exc
        builtin = core_action(ref)
        if builtin is not None:
            return builtin
        from_entry_point = self._entry_point_action(ref)
        if from_entry_point is not None:
            return from_entry_point
        pack_action = self._pack_action(ref)
        if pack_action is not None:
            return pack_action
        raise UnknownActionError(ref, self._searched(ref), self._pack_reason(ref))

    def _searched(self, ref: str) -> list[str]:
        places = [f"built-in core actions ({', '.join(CORE_ACTION_REFS)})"]
        if self.entry_point_group:
            places.append(f"entry points '{self.entry_point_group}'")
        index = self._packs()
        folders = ", ".join(str(p) for p in self.packs_folders) or "none configured"
        places.append(f"pack folders [{folders}]")
        if self.pack_entry_point_group:
            places.append(f"installed packs (entry points '{self.pack_entry_point_group}')")
        places.append(f"packs found: {', '.join(sorted(index)) or 'none'}")
        return places

    def _pack_reason(self, ref: str) -> str | None:
        pack_ref, _, name = ref.partition(".")
        if not name:
            return "expected '<pack>.<action>', 'module:function' or 'airflow:<operator class path>'"
        if pack_ref not in self._packs():
            return f"no pack '{pack_ref}' found"
        errors = self._pack_errors.get(pack_ref)
        reason = f"pack '{pack_ref}' has no action '{name}'"
        if errors:
            reason += " (pack load errors: " + " | ".join(errors[:5]) + ")"
        return reason

    # -- entry points ---------------------------------------------------------------------
    def _action_entry_points(self) -> dict[str, list[Any]]:
        """The action entry points by name, scanned once per registry: a scan costs ~80 ms."""
        cached = self.__dict__.get("_action_eps")
        if cached is None:
            cached = {}
            group = self.entry_point_group
            for ep in entry_points(group=group) if group else ():
                cached.setdefault(ep.name, []).append(ep)
            self.__dict__["_action_eps"] = cached
        return cached

    def _entry_point_action(self, ref: str) -> Action | None:
        if not self.entry_point_group:
            return None
        for ep in self._action_entry_points().get(ref, ()):
            try:
                obj = ep.load()
            except Exception as exc:
                raise UnknownActionError(
                    ref,
                    [f"entry points '{self.entry_point_group}'"],
                    f"entry point {ep.value!r} failed to load: {exc}",
                ) from exc
            if isinstance(obj, Action):
                return obj
            if callable(obj):
                return PythonCallableAction(ref, obj)
            raise UnknownActionError(
                ref, [f"entry points '{self.entry_point_group}'"], f"entry point {ep.value!r} is not callable"
            )
        return None

    # -- packs ----------------------------------------------------------------------------
    def pack_refs(self) -> tuple[str, ...]:
        """Every pack this registry can see."""
        return tuple(sorted(self._packs()))

    def _packs(self) -> dict[str, PackSpec | Path]:
        with self._lock:
            if self._pack_index is None:
                self._pack_index = self._build_pack_index()
            return self._pack_index

    def _build_pack_index(self) -> dict[str, PackSpec | Path]:
        index: dict[str, PackSpec | Path] = {}

        def add(ref: str, source: PackSpec | Path) -> None:
            if ref in index:
                self.warnings.append(
                    f"pack '{ref}' at {_where(source)} ignored: already found at {_where(index[ref])}"
                )
                return
            index[ref] = source

        for pack in self._explicit_packs:
            if isinstance(pack, PackSpec):
                add(pack.ref, pack)
            else:
                for folder in _pack_folders(Path(pack)):
                    add(_pack_ref(folder), folder)
        for root in self.packs_folders:
            if not root.is_dir():
                self.warnings.append(f"pack folder {root} does not exist")
                continue
            for folder in _pack_folders(root):
                add(_pack_ref(folder), folder)
        for folder in self._entry_point_packs():
            add(_pack_ref(folder), folder)
        return index

    def _entry_point_packs(self) -> list[Path]:
        if not self.pack_entry_point_group:
            return []
        found: list[Path] = []
        for ep in entry_points(group=self.pack_entry_point_group):
            try:
                obj = ep.load()
                value = obj() if callable(obj) else obj
            except Exception as exc:
                self.warnings.append(f"pack entry point {ep.name} = {ep.value!r} failed: {exc}")
                continue
            values = value if isinstance(value, list | tuple) else [value]
            for item in values:
                for folder in _pack_folders(Path(str(item))):
                    found.append(folder)
        return found

    def pack_actions(self, pack_ref: str) -> Mapping[str, ActionSpec]:
        """ActionSpecs of one pack by ref (loaded once, through ``spec.loader.load_pack``)."""
        with self._lock:
            if pack_ref in self._loaded_packs:
                return self._loaded_packs[pack_ref]
            source = self._packs().get(pack_ref)
            actions: dict[str, ActionSpec] = {}
            if isinstance(source, PackSpec):
                specs = list(source.actions.values())
            elif source is not None:
                loaded = load_pack(source)
                specs = list(loaded.pack.actions.values())
                self._pack_errors[pack_ref] = [str(error) for error in loaded.errors]
            else:
                specs = []
            for spec in specs:
                actions[spec.ref] = spec
            self._loaded_packs[pack_ref] = actions
            return actions

    def _pack_action(self, ref: str) -> Action | None:
        pack_ref, _, name = ref.partition(".")
        if not name:
            return None
        spec = self.pack_actions(pack_ref).get(ref)
        if spec is None:
            return None
        if spec.workflow_file:
            return WorkflowAction(spec)
        return PackAction(spec, interpreter=self.python_interpreter)


def _where(source: PackSpec | Path) -> str:
    return str(source.path if isinstance(source, PackSpec) else source)


def _pack_folders(root: Path) -> list[Path]:
    """``root`` itself when it is a pack, else the packs below it (recursively, hidden folders
    skipped, a pack's own sub-folders not searched) -- the loader's ``load_path`` rule.

    A pack is a folder with ``pack.yaml`` or, as in attune's docs, just an ``actions/`` folder
    (the folder name is then the pack ref).
    """
    found: list[Path] = []
    seen: set[Path] = set()
    pending = [root]
    while pending:
        folder = pending.pop(0)
        try:
            real = folder.resolve()
        except OSError:
            continue
        if real in seen or not folder.is_dir():
            continue
        seen.add(real)
        if is_pack_folder(folder):
            found.append(folder)
            continue
        try:
            children = sorted(folder.iterdir())
        except OSError:
            continue
        pending.extend(child for child in children if child.is_dir() and not child.name.startswith("."))
    return found


def _pack_ref(folder: Path) -> str:
    """The pack's ``ref`` from pack.yaml (cheap: no action or workflow is parsed); folder name as fallback."""
    try:
        data = yaml.safe_load((folder / "pack.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):  # no pack.yaml (or unreadable): the loader's rule too
        return folder.name
    ref = data.get("ref") if isinstance(data, dict) else None
    return str(ref) if ref else folder.name


