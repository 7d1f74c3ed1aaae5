"""benchmarks/cli_concurrency.py, smallest variant, as a functional check (not a timing): both
modes run the workflow to success on the installed Airflow, the default through Airflow's own
processes, and the benchmark prints its ratio and per-mode costs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_runs_both_modes_and_prints_its_figures():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_HOME"))}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cli_concurrency.py"), "2", "0.1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "mode airflow" in done.stdout, done.stdout
    assert "parallel/serial = " in done.stdout
    assert "s per task instance" in done.stdout and "start-up" in done.stdout
