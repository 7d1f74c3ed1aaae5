"""Cost of loading attune YAML through the spec layer vs. a bare PyYAML parse of the same files.

One command: ``.venv/bin/python benchmarks/spec_load.py`` (options: ``--files 200 --repeat 3``).
It writes ``--files`` generated 12-task workflows (every task with input templates, a retry,
a transition with publish) and times, in this one process:

- baseline: ``yaml.load(bytes, CSafeLoader)`` (plain values, no marks, no validation);
- ``parse_yaml``: our composition with a location for every key/value/item (+ duplicate keys);
- ``load_workflow_file`` cold: full validation with an empty template cache (first parse);
- ``load_workflow_file`` warm: same files again (templates memoised, as in a DAG processor);
- ``load_path``: the whole folder in one call (warm).

The table shows the median over ``--repeat`` rounds, per file, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from attune_provider.spec import load_path, load_workflow_file
from attune_provider.spec.templates import template_facts
from attune_provider.spec.yaml_source import parse_yaml

TASKS = 12


def workflow(n: int) -> str:
    lines = [f"ref: bench.spec_{n:04d}", 'version: "1.0"', "vars:", "  status: pending", "tasks:"]
    for t in range(TASKS):
        lines += [
            f"  - name: t{t}",
            "    action: core.echo",
            "    input:",
            f'      message: "file {n} task {t}: {{{{ parameters.region }}}}"',
            f'      previous: "{{{{ task.t{max(t - 1, 0)}.result.value_{n} }}}}"',
            f"      count: {t}",
            "    retry: {count: 2, delay: 5, backoff: exponential}",
        ]
        if t == 3:
            lines.append(f'    with_items: "{{{{ parameters.items_{n} | default([]) }}}}"')
        if t < TASKS - 1:
            lines += [
                "    next:",
                f'      - when: "{{{{ succeeded() and parameters.flag_{n} }}}}"',
                "        publish:",
                f'          - status: "{{{{ result().state_{t} }}}}"',
                f"        do: [t{t + 1}]",
            ]
    lines += ["output_map:", f'  status: "{{{{ workflow.status }}}} of {n}"']
    return "\n".join(lines) + "\n"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="attune-spec-bench-"))
    paths = []
    for n in range(args.files):
        path = folder / f"wf_{n:04d}.yaml"
        path.write_text(workflow(n))
        paths.append(path)
    raws = [path.read_bytes() for path in paths]

    rows: dict[str, list[float]] = {
        "yaml.load CSafeLoader (baseline)": [],
        "parse_yaml (with marks)": [],
        "load_workflow_file, cold templates": [],
        "load_workflow_file, warm templates": [],
        "load_path(folder), warm": [],
    }
    for _ in range(args.repeat):
        rows["yaml.load CSafeLoader (baseline)"].append(
            timed(lambda: [yaml.load(raw, Loader=yaml.CSafeLoader) for raw in raws])
        )
        rows["parse_yaml (with marks)"].append(timed(lambda: [parse_yaml(raw) for raw in raws]))
        template_facts.cache_clear()
        rows["load_workflow_file, cold templates"].append(
            timed(lambda: [load_workflow_file(p) for p in paths])
        )
        rows["load_workflow_file, warm templates"].append(
            timed(lambda: [load_workflow_file(p) for p in paths])
        )
        rows["load_path(folder), warm"].append(timed(lambda: load_path(folder)))

    assert len(load_path(folder).workflows) == args.files
    baseline = statistics.median(rows["yaml.load CSafeLoader (baseline)"])
    print(f"{args.files} files x {TASKS} tasks, median of {args.repeat} rounds")
    print(f"{'measurement':<40} {'total ms':>10} {'ms/file':>9} {'x baseline':>11}")
    for name, samples in rows.items():
        total = statistics.median(samples)
        print(f"{name:<40} {total * 1000:>10.1f} {total * 1000 / args.files:>9.2f} {total / baseline:>11.2f}")


if __name__ == "__main__":
    main()
