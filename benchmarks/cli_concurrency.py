"""`attune-airflow run` with `concurrency`: the default (Airflow's own processes) against `--serial`
(in-process dag.test()), same run.

A with_items of ITEMS items, each an I/O wait of WAIT seconds (`sleep`), `concurrency` 8. Both
modes run the real console script in a fresh AIRFLOW_HOME each (so neither pays the other's DB
set-up), and the wall time of the whole command is measured, start-up of Airflow's processes
included. Also printed: that start-up, and the cost per task instance of each mode (wall time in
the run beyond the actions' own waits, per instance).
Run: PYTHONPATH=. .venv/bin/python benchmarks/cli_concurrency.py [ITEMS] [WAIT]
Target: parallel / serial <= 0.4.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("attune-airflow")
WORKFLOW = """\
ref: bench.concurrency
parameters:
  items: {{type: integer, default: {items}}}
tasks:
  - name: wait
    action: core.local
    with_items: "{{{{ range(parameters['items']) | list }}}}"
    concurrency: 8
    input:
      cmd: "sleep {wait}"
output_map:
  waited: "{{{{ length(task.wait) }}}}"
"""


def run(mode: list[str], workflow: Path, home: Path) -> tuple[float, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_HOME"))}
    env.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    stats = home / "stats.json"
    start = time.monotonic()
    done = subprocess.run(
        [str(SCRIPT), "run", str(workflow), "--no-progress", "--stats-json", str(stats), *mode],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - start
    if done.returncode != 0:
        logs = sorted((home / "logs" / "attune-cli").glob("*.log"))
        tail = "\n".join(line for line in logs[-1].read_text().splitlines() if "rror" in line)[-4000:]
        sys.exit(f"{mode or 'default'} run failed:\n{done.stderr[-3000:]}\n{tail}")
    return wall, json.loads(stats.read_text())


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    wait = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        workflow = root / "bench.yaml"
        workflow.write_text(WORKFLOW.format(items=items, wait=wait))
        serial, serial_stats = run(["--serial"], workflow, root / "serial-home")
        parallel, parallel_stats = run([], workflow, root / "parallel-home")
    ideal = items * wait
    print(f"with_items {items} x sleep {wait:g} s, concurrency 8 (sum of waits {ideal:g} s)")
    print(f"--serial : {serial:6.1f} s wall ({serial_stats['wall_time_s']:.1f} s in dag.test)")
    parts = parallel_stats.get("airflow_components_s") or {}
    print(f"default  : {parallel:6.1f} s wall, mode {parallel_stats['mode']} ({parts})")
    instances = serial_stats["task_instances"]
    print(f"in-process: {(serial_stats['wall_time_s'] - ideal) / instances:.2f} s per task instance beyond its wait")
    if parts:
        startup = parts["dags_parsed_s"]
        waves = -(-items // 8) * wait  # the waits alone, 8 at a time
        print(f"airflow   : start-up {startup:.1f} s (api-server answering {parts['api_server_ready_s']:.1f} s), "
              f"stop {parts['stop_s']:.1f} s, {(parts['run_s'] - waves) / instances:.2f} s per task instance "
              f"beyond the waits (run {parts['run_s']:.1f} s, waits {waves:g} s at concurrency 8)")
    ratio = parallel / serial
    print(f"parallel/serial = {ratio:.2f} (target <= 0.4): {'OK' if ratio <= 0.4 else 'MISSED'}")


if __name__ == "__main__":
    main()
