"""Help texts, error reporting (no tracebacks unless --debug), and light imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import GREET, cli_env, run_cli, write


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("validate", "render", "graph", "run", "gc", "show"):
        assert command in result.stdout
    run_help = run_cli("run", "--help")
    assert "dag.test()" in run_help.stdout and "KEY=VALUE" in run_help.stdout


def test_errors_have_no_traceback_unless_debug(tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    plain = run_cli("graph", str(missing))
    assert plain.returncode == 2
    assert (
        plain.stderr.strip()
        == f"attune-airflow graph: error: {missing}: no such file or folder (and no workflow with that ref)"
    )
    debug = run_cli("graph", str(missing), "--debug")
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "CliError" in debug.stderr


def test_bad_parameter_syntax_is_reported(tmp_path: Path):
    path = write(tmp_path / "greet.yaml", GREET)
    result = run_cli("render", str(path), "-p", "names", "--task", "greet")
    assert result.returncode == 2 and "-p 'names': expected KEY=VALUE" in result.stderr


def test_spec_only_commands_do_not_import_airflow(tmp_path: Path):
    """validate --no-compile and graph must stay fast: no Airflow import at all."""
    path = write(tmp_path / "greet.yaml", GREET)
    code = (
        "import sys\n"
        "from attune_provider.cli.main import main\n"
        "assert 'airflow' not in sys.modules, 'importing the CLI imported airflow'\n"
        f"assert main(['graph', {str(path)!r}]) == 0\n"
        f"assert main(['validate', '--no-compile', {str(path)!r}]) == 0\n"
        "leaked = sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.'))\n"
        "assert not leaked, leaked[:5]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=cli_env(None), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_airflow_attune_subcommand(tmp_path: Path):
    """The provider registers `airflow attune ...` through its provider info `cli` hook."""
    path = write(tmp_path / "greet.yaml", GREET)
    airflow = Path(sys.executable).with_name("airflow")
    done = subprocess.run(
        [str(airflow), "attune", "graph", str(path), "--format", "dot"],
        env=cli_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'digraph "clitest.greet"' in done.stdout
    failing = subprocess.run(
        [str(airflow), "attune", "graph", str(tmp_path / "missing.yaml")],
        env=cli_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert failing.returncode == 2 and "no such file or folder" in failing.stderr


def test_bare_ref_is_found_in_the_workflows_folder(tmp_path: Path):
    folder = tmp_path / "attune"
    write(folder / "greet.yaml", GREET)
    env_home = tmp_path / "home"
    code = (
        "import os, sys\n"
        f"os.environ['AIRFLOW__ATTUNE__WORKFLOWS_FOLDER'] = {str(folder)!r}\n"
        "from attune_provider.cli.main import main\n"
        "sys.exit(main(['graph', 'clitest.greet']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=cli_env(env_home), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "%% clitest.greet" in done.stdout
