"""The package layout is the architecture (docs/architecture.md): small modules, no import cycles,
and Airflow's internals reached only from ``attune_provider/_airflow_compat`` (tests/package_rules.py)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import attune_provider
from tests.package_rules import COMPAT_PACKAGE, import_cycles, import_graph, private_airflow_reaches

PACKAGE = Path(attune_provider.__file__).parent
MAX_LINES = 400


@functools.cache
def _graph() -> dict[str, set[str]]:
    return import_graph(_modules())


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


#: What the CLI run engine (issue 20, rewritten on another branch) still has on this branch: the
#: tests below report these and fail on any other. Delete each entry when its code goes; an entry
#: whose code is gone fails the test too, so the list cannot go stale.
KNOWN_CLI_REACHES: set[tuple[str, str]] = set()  # the CLI's private hooks went with its re-created services
KNOWN_CLI_CYCLES: list[list[str]] = []


def test_no_import_cycles_between_modules() -> None:
    """Function-level imports count too: a lazy import still ties the two modules together."""
    assert import_cycles(_graph()) == KNOWN_CLI_CYCLES


def test_no_private_airflow_reaches_outside_the_compat_package() -> None:
    """No frame walks, no ``airflow._shared`` or ``_``-prefixed Airflow names, no patching of
    Airflow objects, outside ``attune_provider/_airflow_compat`` (docs/architecture.md)."""
    found = {
        (path.relative_to(PACKAGE).as_posix(), line, problem)
        for path in sorted(PACKAGE.rglob("*.py"))
        if COMPAT_PACKAGE not in path.relative_to(PACKAGE.parent).parts
        for line, problem in private_airflow_reaches(path.read_text(encoding="utf-8"))
    }
    unexpected = sorted(f"attune_provider/{file}:{line}: {problem}" for file, line, problem in found
                        if (file, problem) not in KNOWN_CLI_REACHES)
    assert unexpected == []
    assert {(file, problem) for file, _, problem in found} == KNOWN_CLI_REACHES


def test_the_compat_package_holds_at_most_five_items() -> None:
    items = [p.stem for p in (PACKAGE / COMPAT_PACKAGE).glob("*.py") if p.name != "__init__.py"]
    assert 0 < len(items) <= 5, items


def test_the_checker_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    """The cycle test above can fail: a module-level and a function-level import form a cycle."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("import pkg.b\n")
    b.write_text("def f():\n    from pkg import a\n")
    graph = import_graph({"pkg.a": a, "pkg.b": b})
    assert graph == {"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}}
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"]]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("import sys\nsys._getframe(1)\n", "frame walk"),
        ("import inspect\ninspect.currentframe()\n", "frame walk"),
        ("from sys import _getframe\n", "frame walk"),
        ("from airflow._shared.secrets_masker import redact\n", "private Airflow module"),
        ("from airflow.sdk.definitions._internal.types import NOTSET\n", "private Airflow module"),
        ("def f():\n    from airflow.sdk.execution_time.task_runner import _xcom_push\n", "private Airflow name"),
        ("from airflow.models import TaskInstance\nTaskInstance._rendered_map_index\n", "private Airflow attribute"),
        ("from airflow.sdk.execution_time import task_runner\ntask_runner._xcom_push.__code__\n", "private Airflow attribute"),
        ("from airflow.sdk.bases.operator import ExecutorSafeguard\nExecutorSafeguard.test_mode = True\n", "patches"),
        ("import airflow.models.dag\nsetattr(airflow.models.dag, 'x', 1)\n", "patches"),
        ("def f(dag):\n    dag.__class__ = object\n", "class swap"),
        ("from airflow.executors.local_executor import LocalExecutor as L\nclass E(L):\n    def _spawn_worker(self):\n        pass\n", "overrides private Airflow method"),
        ("from airflow.jobs.triggerer_job_runner import TriggererJobRunner\nrunner = TriggererJobRunner(None)\nrunner._execute\n", "private Airflow attribute"),
    ],
)
def test_the_checker_finds_each_private_reach(source: str, problem: str) -> None:
    found = private_airflow_reaches(source)
    assert len(found) == 1 and problem in found[0][1], found


def test_the_checker_accepts_public_use() -> None:
    source = (
        "import sys\nfrom airflow.sdk import DAG, get_current_context\nfrom airflow.models import TaskInstance\n"
        "TaskInstance.__table__.c.rendered_map_index\nsys.modules.get('x')\nclass D(DAG):\n"
        "    def __hash__(self):\n        return object.__hash__(self)\n"
        "    def execute(self, context):\n        return self._own_helper()\n"
        "    def _own_helper(self):\n        return 1\nself_x = D.__name__\n"
    )
    assert private_airflow_reaches(source) == []


def test_only_the_cli_imports_the_cli() -> None:
    """The CLI is a client of the package, never a dependency of it (the UI plugin used to
    import two CLI modules)."""
    graph = _graph()
    outside = {
        name: sorted(t for t in targets if t.startswith("attune_provider.cli"))
        for name, targets in graph.items()
        if not name.startswith("attune_provider.cli")
    }
    assert {name: targets for name, targets in outside.items() if targets} == {}


def test_the_old_dag_loader_path_is_a_re_export_nothing_in_the_package_imports() -> None:
    """``compiler/dag_loader.py`` only keeps DAG files copied from older versions working: it
    re-exports ``dag_loading`` and no module of the package depends on it (no compiler <->
    dag_loading cycle through it)."""
    graph = _graph()
    shim = "attune_provider.compiler.dag_loader"
    assert sorted(name for name, targets in graph.items() if shim in targets) == []
    assert graph[shim] <= {m for m in graph if m.startswith("attune_provider.dag_loading")}
