"""Run the real ``attune-airflow`` console script in subprocesses, each against its own home.

Subprocesses get a clean environment: the Airflow variables tests/conftest.py sets for this
pytest process are removed, so the CLI's own defaults (SQLite DB, XCom backend and store under
AIRFLOW_HOME) are what is tested.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("attune-airflow")
STRIPPED_PREFIXES = ("AIRFLOW__", "AIRFLOW_HOME", "ATTUNE_")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def cli_env(home: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(STRIPPED_PREFIXES)}
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    env["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    if home is not None:
        env["AIRFLOW_HOME"] = str(home)
    return env


def run_cli(
    *args: str,
    home: Path | None = None,
    timeout: float = 600,
    cwd: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Result:
    assert SCRIPT.exists(), f"console script missing: {SCRIPT} (pip install -e .)"
    done = subprocess.run(
        [str(SCRIPT), *args],
        env={**cli_env(home), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def start_cli(*args: str, home: Path | None = None) -> subprocess.Popen[str]:
    """The console script running in the background (stdin closed, stdout/stderr piped as text)."""
    assert SCRIPT.exists(), f"console script missing: {SCRIPT} (pip install -e .)"
    return subprocess.Popen(
        [str(SCRIPT), *args],
        env=cli_env(home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


GREET = """
ref: clitest.greet
label: Greet people
description: Greets everyone, one mapped instance per name
version: "1.0.0"
parameters:
  names:
    type: array
    default: [ada, grace, linus]
  greeting:
    type: string
    default: hello
vars:
  greeted: 0
tasks:
  - name: greet
    action: core.echo
    with_items: "{{ parameters.names }}"
    input:
      message: "{{ parameters.greeting }} {{ item }}"
    next:
      - when: "{{ succeeded() }}"
        publish:
          - greeted: "{{ length(parameters.names) }}"
        do: [done]
      - when: "{{ failed() }}"
        do: [complain]
  - name: done
    action: core.noop
  - name: complain
    action: core.echo
    input:
      message: "greeting failed"
output_map:
  greeted: "{{ workflow.greeted }}"
  names: "{{ parameters.names }}"
"""

FAILING = """
ref: clitest.broken
version: "1.0.0"
tasks:
  - name: explode
    action: core.local
    input:
      cmd: "echo about to fail; exit 3"
output_map:
  never: "{{ task.explode.stdout }}"
"""


@pytest.fixture(scope="session")
def cli_home(tmp_path_factory) -> Path:
    """One AIRFLOW_HOME shared by the CLI tests that run Airflow (DB created once)."""
    return tmp_path_factory.mktemp("cli-airflow-home")


@pytest.fixture(scope="session")
def workflows(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli-workflows")
    return {"greet": write(root / "greet.yaml", GREET), "broken": write(root / "broken.yaml", FAILING)}


@pytest.fixture(scope="session")
def greet_run(cli_home: Path, workflows: dict[str, Path]) -> Result:
    """One successful `attune-airflow run` (shared: each run costs Airflow start-up)."""
    stats = cli_home / "greet-stats.json"
    result = run_cli(
        "run",
        str(workflows["greet"]),
        "-p",
        "names=[ada, grace, linus, alan]",
        "--stats",
        "--stats-json",
        str(stats),
        "--serial",  # in-process: the CLI's --stats see the store reads of every instance
        home=cli_home,
    )
    return result
