"""The checks behind tests/test_package_layout.py: the import graph and private Airflow reaches.

Both read the source (``ast``), nothing is imported, so they see every module, including code
that only runs in a task process.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

#: the only package allowed to reach into Airflow's internals (docs/architecture.md)
COMPAT_PACKAGE = "_airflow_compat"
FRAME_FUNCTIONS = {("sys", "_getframe"), ("inspect", "currentframe"), ("inspect", "stack")}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_airflow(module: str) -> bool:
    return module == "airflow" or module.startswith("airflow.")


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import the module can execute, at any depth (functions too), except
    ``if TYPE_CHECKING:`` blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node.test):
            for child in node.orelse:
                yield from runtime_imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from runtime_imports(node)


def _absolute(node: ast.ImportFrom, module_name: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    parts = module_name.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _reexports(path: Path, name: str, modules: dict[str, Path]) -> dict[str, str]:
    """What a package ``__init__`` re-exports: bound name -> the submodule it comes from."""
    found: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            base = _absolute(node, name, True)
            for alias in node.names:
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                if target in modules and target != name:
                    found[alias.asname or alias.name] = target
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the modules it imports (``from pkg import name`` counts as an edge to the
    submodule ``pkg/__init__.py`` took ``name`` from)."""
    inits = {name: path for name, path in modules.items() if path.name == "__init__.py"}
    reexports = {name: _reexports(path, name, modules) for name, path in inits.items()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    prefixes = [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
                    edges.update(next(([p] for p in prefixes if p in modules), []))
                continue
            base = _absolute(node, name, path.name == "__init__.py")
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    edges.add(f"{base}.{alias.name}")
                elif base in reexports:
                    exported = reexports[base]
                    if alias.name == "*":
                        edges.update(exported.values())
                    else:
                        edges.add(exported.get(alias.name, base))
                elif base in modules:
                    edges.add(base)
        graph[name] = edges - {name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle found by a depth-first walk, as ``[a, b, ..., a]``."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    return cycles


def _root(node: ast.expr) -> tuple[str | None, str]:
    """The name a dotted expression starts from, and the expression as text."""
    text = ast.unparse(node)
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return (node.id if isinstance(node, ast.Name) else None), text


def _overrides(method: ast.FunctionDef | ast.AsyncFunctionDef, module: ast.AST) -> bool:
    """Whether a private method of an Airflow subclass overrides Airflow's: it calls
    ``super().<name>`` or nothing in the module calls it (then only Airflow does). Read from
    the source alone, so the check imports nothing."""
    for node in ast.walk(module):
        if isinstance(node, ast.Attribute) and node.attr == method.name:
            calls_super = (
                isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "super"
            )
            if calls_super:
                return True
            if not any(node is child for child in ast.walk(method)):
                return False  # the module's own helper, called by the module
    return True


def private_airflow_reaches(source: str) -> list[tuple[int, str]]:
    """(line, problem) for each frame walk, private Airflow import or attribute, and each
    assignment to an Airflow object's attribute or to ``__class__``."""
    tree = ast.parse(source)
    airflow_names: set[str] = set()
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_airflow(alias.name):
                    airflow_names.add(alias.asname or alias.name.split(".")[0])
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append((node.lineno, f"private Airflow module {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (node.module, alias.name) in FRAME_FUNCTIONS:
                    found.append((node.lineno, f"frame walk ({node.module}.{alias.name})"))
            if not _is_airflow(node.module):
                continue
            airflow_names.update(alias.asname or alias.name for alias in node.names)
            if any(_private(part) for part in node.module.split(".")):
                found.append((node.lineno, f"private Airflow module {node.module}"))
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append((node.lineno, f"private Airflow name {alias.name} from {node.module}"))
    for node in ast.walk(tree):  # objects made by Airflow classes: ``runner = SomeJobRunner(...)``
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _root(node.value.func)[0] in airflow_names:
            airflow_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(_root(base)[0] in airflow_names for base in node.bases):
            for item in node.body:
                if not (isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(item.name)):
                    continue
                if _overrides(item, tree):
                    found.append((item.lineno, f"overrides private Airflow method {node.name}.{item.name}"))
        is_name = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        if is_name and (node.value.id, node.attr) in FRAME_FUNCTIONS:  # type: ignore[attr-defined]
            found.append((node.lineno, f"frame walk ({node.value.id}.{node.attr})"))  # type: ignore[attr-defined]
            continue
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root, text = _root(node)
            if root in airflow_names:
                found.append((node.lineno, f"private Airflow attribute {text}"))
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            root, text = _root(node.args[0]) if node.args else (None, "")
            if root in airflow_names:
                found.append((node.lineno, f"patches Airflow object {text} ({node.func.id})"))
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "__class__":
                found.append((node.lineno, f"class swap ({ast.unparse(target)} = ...)"))
            elif isinstance(target, ast.Attribute):
                root, text = _root(target)
                if root in airflow_names:
                    found.append((node.lineno, f"patches Airflow object {text}"))
    return sorted(found)
