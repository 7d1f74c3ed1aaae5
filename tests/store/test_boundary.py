"""Issue 13, the store's boundary, kept by a test: only ``store/files.py`` talks to fsspec, no
module reaches into another's private members, the store package has no import cycle, and no
store module grows past ~400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import attune_provider

PACKAGE = Path(attune_provider.__file__).parent
STORE = PACKAGE / "store"
CALLERS = [STORE / "holders.py", STORE / "variables.py", STORE / "gc.py", *sorted((PACKAGE / "xcom").glob("*.py"))]


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


#: private names of Python and Airflow (not of the store) that xcom/ reads to recognise Airflow's own
#: consumers; tests/xcom_compat turns red if a new Airflow moves them
NOT_STORE_PRIVATES = {
    "sys._getframe",
    "task_runner._xcom_push",
    "expandinput.DictOfListsExpandInput._expand_mapped_field",
}


def test_store_callers_do_not_use_fsspec_or_private_members() -> None:
    problems = []
    for path in [*CALLERS, STORE / "lazy.py"]:
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            is_self = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
            if ast.unparse(node) in NOT_STORE_PRIVATES:
                continue
            if node.attr == "fs" or (node.attr.startswith("_") and not node.attr.startswith("__") and not is_self):
                problems.append(f"{path.name}:{node.lineno}: .{node.attr}")
        text = path.read_text(encoding="utf-8")
        if "import fsspec" in text or "from fsspec" in text:
            problems.append(f"{path.name}: imports fsspec")
    assert problems == []


def test_store_package_has_no_import_cycle() -> None:
    deps: dict[str, set[str]] = {}
    for path in STORE.glob("*.py"):
        mine = deps.setdefault(path.stem, set())
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("attune_provider.store."):
                mine.add(node.module.rsplit(".", 1)[-1])
    deps.pop("__init__", None)

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for dep in deps.get(start, ()):
            if dep == target or (dep not in seen and reaches(dep, target, seen | {dep})):
                return True
        return False

    assert [m for m in deps if reaches(m, m, set())] == []


def test_store_modules_stay_small() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in STORE.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}
