"""The package layout is the architecture (docs/architecture.md): small modules, no import cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import attune_provider

PACKAGE = Path(attune_provider.__file__).parent
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _module_level_imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Submodules imported at module level (function-level imports are deliberate lazy edges;
    package ``__init__`` re-exports are not edges between modules)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found.update(n for n in names if n in modules and modules[n].name != "__init__.py")
    return found


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_import_cycles_between_modules() -> None:
    modules = _modules()
    graph = {name: _module_level_imports(path, modules) - {name} for name, path in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_checker_finds_a_cycle(tmp_path: Path) -> None:
    """The cycle test above can fail: two modules importing each other are found."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("import pkg.b\n")
    b.write_text("from pkg import a\n")
    modules = {"pkg.a": a, "pkg.b": b}
    assert _module_level_imports(a, modules) == {"pkg.b"}
    assert _module_level_imports(b, modules) == {"pkg.a"}
