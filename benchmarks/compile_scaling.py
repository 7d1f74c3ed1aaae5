"""Compile time per task for growing workflows: it must stay flat (linear total time).

One command: ``PYTHONPATH=. .venv/bin/python benchmarks/compile_scaling.py``
(options: ``--sizes 1000,4000,20000 --stock-sizes 1000,4000 --repeat 3``).

For each size it writes one workflow of N chained tasks (every task an action with a templated
input and a ``when`` transition to the next, so every edge carries a label), loads it once, and
times ``compile_workflow`` in this process (the best of ``--repeat`` compiles, so other load
on the machine disturbs it less). Per-task times are printed with their ratio to the
smallest size (the baseline of this run): ~1.0 everywhere means linear.

``--stock-sizes`` compiles again with Airflow's own DAG hashing during the build (what the
compiler did before ``compiler.build.hashed_by_identity``), to show the quadratic part it
removes: Airflow hashes the DAG, including the list of all task ids, on every ``>>``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path


def workflow_text(n: int) -> str:
    lines = [f"ref: bench.scale_{n}", "parameters:", "  x: {type: string, default: hello}", "tasks:"]
    for i in range(n):
        lines += [f"  - name: t{i}", "    action: core.echo", '    input: {message: "{{ parameters.x }}"}']
        if i + 1 < n:
            lines += ["    next:", '      - when: "{{ succeeded() }}"', f"        do: [t{i + 1}]"]
    return "\n".join(lines) + "\n"


def measure(spec, *, stock: bool) -> float:
    from attune_provider.compiler import build

    patch = (
        contextlib.ExitStack()
        if not stock
        else _patched(build, "hashed_by_identity", lambda dag: contextlib.nullcontext(dag))
    )
    with patch:
        started = time.perf_counter()
        dag = build.compile_workflow(spec)
        elapsed = time.perf_counter() - started
    assert len(dag.task_ids) == len(spec.tasks) + 1, "one Airflow task per attune task, plus end"
    return elapsed


def best(spec, stock: bool, repeat: int) -> float:
    return min(measure(spec, stock=stock) for _ in range(max(repeat, 1)))


@contextlib.contextmanager
def _patched(module, name, value):
    original = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000,20000")
    parser.add_argument("--stock-sizes", default="1000,4000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    stock_sizes = [int(s) for s in args.stock_sizes.split(",") if s]
    home = tempfile.mkdtemp(prefix="attune-compile-scaling-")
    os.environ.setdefault("AIRFLOW_HOME", home)
    from attune_provider.spec.loader import load_workflow_file

    warm = Path(home) / "warm_up.yaml"
    warm.write_text(workflow_text(50))
    measure(load_workflow_file(warm), stock=False)  # imports and first-use caches, untimed

    rows = []
    for n in sorted(set(sizes) | set(stock_sizes)):
        path = Path(home) / f"scale_{n}.yaml"
        path.write_text(workflow_text(n))
        started = time.perf_counter()
        spec = load_workflow_file(path)
        load_s = time.perf_counter() - started
        compile_s = best(spec, False, args.repeat) if n in sizes else None
        stock_s = best(spec, True, args.repeat) if n in stock_sizes else None
        rows.append((n, load_s, compile_s, stock_s))
        print(f"measured {n} tasks", flush=True)

    print()
    print(f"{'tasks':>7} {'load s':>8} | {'compile s':>9} {'ms/task':>8} {'ratio':>6} | "
          f"{'stock s':>9} {'ms/task':>8} {'ratio':>6}")
    for n, load_s, _compile_s, _stock_s in rows:
        print(f"{n:>7} {load_s:>8.2f} | {_cells(rows, n, 2)} | {_cells(rows, n, 3)}")
    print()
    print("ratio: ms/task relative to the smallest size measured in the same column (1.00 = linear);")
    print("stock: the same compile with Airflow's own DAG hashing during the build (the old compiler)")


def _cells(rows: list[tuple], n: int, column: int) -> str:
    measured = [(size, row[column]) for size, *_ in rows for row in [_row(rows, size)] if row[column] is not None]
    value = _row(rows, n)[column]
    if value is None or not measured:
        return f"{'-':>9} {'-':>8} {'-':>6}"
    base_n, base_s = measured[0]
    per_task = value / n * 1000
    return f"{value:>9.2f} {per_task:>8.3f} {per_task / (base_s / base_n * 1000):>6.2f}"


def _row(rows: list[tuple], n: int) -> tuple:
    return next(row for row in rows if row[0] == n)


if __name__ == "__main__":
    main()
