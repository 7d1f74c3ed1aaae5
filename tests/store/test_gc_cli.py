"""``attune-airflow gc`` refuses a negative grace period and raises an unsafe one with a note."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("attune-airflow")


def _gc(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_HOME"))}
    env.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    return subprocess.run([str(SCRIPT), "gc", *args], env=env, capture_output=True, text=True, timeout=600)


def test_negative_grace_is_refused(tmp_path: Path) -> None:
    done = _gc(tmp_path / "home", "--grace", "-5")
    assert done.returncode == 2
    assert "grace period must be a number of seconds >= 0" in done.stderr


def test_grace_zero_is_raised_to_the_floor(tmp_path: Path) -> None:
    done = _gc(tmp_path / "home", "--grace", "0", "--dry-run", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "grace 0s is shorter than the 900s" in done.stderr
    # the first command in a new home also logs the DB creation to stdout (cli/environment.py)
    report = json.loads(done.stdout[done.stdout.index("{\n") :])
    assert report["grace_seconds"] == 900 and report["requested_grace_seconds"] == 0
