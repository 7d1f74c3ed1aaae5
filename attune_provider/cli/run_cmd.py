"""``attune-airflow run``: a thin client that hands one run of a workflow to Airflow.

Steps: load the workflow (no Airflow yet) -> set AIRFLOW_HOME/DB/XCom backend -> put a loader
file into the DAGs folder (Airflow runs DAGs from a bundle; the UI and a scheduler see it too)
-> hand the run to Airflow the way :mod:`attune_provider.cli.modes` picks (in-process
``dag.test()``, Airflow's own processes, or a scheduler already running), with a progress display
on stderr while Airflow's output goes to a log file of this run -> print the run's result (the
leaf task's return value, resolved from the store) as JSON on stdout, exit 1 if it failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from attune_provider.cli import environment
from attune_provider.cli.workflows import apply_defaults, load_workflow, parse_params, to_json
from attune_provider.store.lazy import to_plain


@contextlib.contextmanager
def stdout_to(path: Path | None) -> Iterator[None]:
    """Send fd 1 (Airflow logs, task output, executor workers) to ``path`` -- or to stderr when None.

    The log file is written through a pipe that a thread copies line by line through Airflow's
    secrets masker: worker and task processes inherit fd 1 and print before masking applies.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    copier = None
    if path is None:
        target = os.dup(2)
    else:
        read_end, target = os.pipe()
        copier = threading.Thread(target=_copy_masked, args=(read_end, path), name="attune-log", daemon=True)
        copier.start()
    try:
        os.dup2(target, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(target)
        if copier is not None:
            copier.join(timeout=10)


def _copy_masked(read_end: int, path: Path) -> None:
    from attune_provider.cli.secrets import redact_text

    with os.fdopen(read_end, "rb") as source, open(path, "ab") as sink:
        for line in source:
            sink.write(redact_text(line.decode("utf-8", errors="replace")).encode("utf-8"))
            sink.flush()


def _source_of(workflow: Any, target: str) -> Path:
    """The path a generated loader file should load (the pack folder for pack workflows)."""
    if workflow.pack is not None:
        return Path(workflow.pack.path)
    path = Path(target)
    if path.exists():
        return path
    return Path(workflow.source_file)


def run_state(dag_run: Any) -> str:
    state = getattr(dag_run, "state", None)
    return str(getattr(state, "value", state))


def task_instances(dag_id: str, run_id: str) -> list[tuple[str, int, str]]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.state).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id
            )
        ).all()
    return [(t, m, str(getattr(s, "value", s))) for t, m, s in rows]


def run_result(dag: Any, run_id: str, store: Any) -> Any:
    """The run's result: the return value of the single leaf (the compiled ``end`` task)."""
    from attune_provider.cli.stored import resolve, xcom_return_value

    leaves = sorted(task.task_id for task in dag.leaves)
    values = {}
    for task_id in leaves:
        _, raw = xcom_return_value(dag.dag_id, run_id, task_id)
        if raw is not None:
            values[task_id] = to_plain(resolve(raw, store))
    if len(leaves) == 1:
        return values.get(leaves[0])
    return values or None


def statistics(dag: Any, run_id: str, store: Any, before: dict[str, int], wall_time: float) -> dict[str, Any]:
    """The numbers that matter: instances (mapped ones per task), store bytes read, wall time."""
    tis = task_instances(dag.dag_id, run_id)
    mapped: dict[str, int] = {}
    for task_id, map_index, _ in tis:
        if map_index >= 0:
            mapped[task_id] = mapped.get(task_id, 0) + 1
    states: dict[str, int] = {}
    for _, _, state in tis:
        states[state] = states.get(state, 0) + 1
    by_scope = dict(getattr(store.stats, "by_scope", {}) or {})
    per_instance = {
        scope: n - before.get(scope, 0) for scope, n in by_scope.items() if n - before.get(scope, 0) > 0
    }
    mapped_reads = {scope: n for scope, n in per_instance.items() if _scope_map_index(scope) >= 0}
    total_read = store.stats.bytes_read - before.get("__total__", 0)
    stats: dict[str, Any] = {
        "dag_id": dag.dag_id,
        "run_id": run_id,
        "wall_time_s": round(wall_time, 3),
        "task_instances": len(tis),
        "states": states,
        "mapped_instances": sum(mapped.values()),
        "mapped_instances_per_task": mapped,
        "store_bytes_read_total": total_read,
        "store_bytes_written": store.stats.bytes_written - before.get("__written__", 0),
        "store_readers": len(per_instance),
    }
    if mapped_reads:
        sizes = sorted(mapped_reads.values())
        stats["store_bytes_read_per_mapped_instance"] = {
            "instances": len(sizes),
            "min": sizes[0],
            "median": sizes[len(sizes) // 2],
            "max": sizes[-1],
            "mean": round(sum(sizes) / len(sizes), 1),
        }
    return stats


def _scope_map_index(scope: str) -> int:
    """Map index of a store reader scope ``dag/run/task/map_index/try`` (the XCom backend's label)."""
    parts = scope.split("/")
    try:
        return int(parts[-2]) if len(parts) >= 5 else -1
    except ValueError:
        return -1


def format_stats(stats: dict[str, Any]) -> str:
    lines = [
        f"run:                 {stats['dag_id']} / {stats['run_id']}",
        f"wall time:           {stats['wall_time_s']:.1f} s",
        f"task instances:      {stats['task_instances']} "
        f"({', '.join(f'{n} {s}' for s, n in sorted(stats['states'].items()))})",
        f"mapped instances:    {stats['mapped_instances']}",
    ]
    for task_id, count in sorted(stats["mapped_instances_per_task"].items()):
        lines.append(f"  {task_id}: {count}")
    lines.append(f"store bytes read:    {stats['store_bytes_read_total']:,} (all readers)")
    per = stats.get("store_bytes_read_per_mapped_instance")
    if per:
        lines.append(
            f"  per mapped instance: median {per['median']:,} B, min {per['min']:,}, max {per['max']:,} "
            f"over {per['instances']} instances"
        )
    lines.append(f"store bytes written: {stats['store_bytes_written']:,}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    workflow = load_workflow(args.workflow, args.ref)
    params = apply_defaults(workflow, parse_params(args.params, args.params_file))
    home = environment.prepare(args.airflow_home)
    log_dir = home / "logs" / "attune-cli"
    log_dir.mkdir(parents=True, exist_ok=True)
    # one file per run: two runs started in the same second never share one (issue 22)
    log_file = log_dir / f"{workflow.ref}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
    print(f"running {workflow.ref} in {home} (Airflow log: {log_file})", file=sys.stderr)
    from attune_provider.cli.run_records import RunRecord

    record = RunRecord(home)
    try:
        # Airflow prints logs and warnings on stdout from import on; stdout is reserved for the result.
        with stdout_to(None if args.task_logs else log_file):
            dag, run_id, state, store, before, wall, mode, timings = _execute(workflow, params, args, home, record)
            result = run_result(dag, run_id, store)
            stats = statistics(dag, run_id, store, before, wall)
            if result is None:
                failed = sorted(
                    f"{t}[{m}]" if m >= 0 else t
                    for t, m, s in task_instances(dag.dag_id, run_id)
                    if s in ("failed", "upstream_failed")
                )
                result = {"succeeded": state == "success", "state": state, "failed_tasks": failed}
    finally:
        record.close()
    from attune_provider.cli.secrets import redact

    print(to_json(redact(to_plain(result))), flush=True)
    stats["state"] = state
    stats["mode"] = mode
    if timings:
        stats["airflow_components_s"] = {k: round(v, 2) for k, v in timings.items()}
    if args.stats:
        print(format_stats(stats), file=sys.stderr)
    if args.stats_json:
        Path(args.stats_json).write_text(json.dumps(stats, indent=2), encoding="utf-8")
    if state != "success":
        print(f"run {run_id} ended {state}; task logs in {log_file}", file=sys.stderr)
        return 1
    return 0


def _execute(
    workflow: Any, params: dict[str, Any], args: argparse.Namespace, home: Path, record: Any
) -> tuple:
    """Compile, register the DAG file, and hand the run to Airflow under a progress display."""
    from airflow.configuration import conf

    from attune_provider.cli import executions, loader_files, modes
    from attune_provider.cli.child_workflows import closure
    from attune_provider.cli.dags import compile_dag
    from attune_provider.cli.run_records import home_lock, settle_dead_runs

    environment.quiet_airflow_logging(args.task_logs)
    warning = environment.xcom_backend_warning(conf.get("core", "xcom_backend", fallback=""))
    if warning:
        print(warning, file=sys.stderr)
    nested = closure(workflow, _source_of(workflow, args.workflow))
    with home_lock(home):  # a fresh home: one process creates the DB, one writes the DAG file
        environment.ensure_database()
        settle_dead_runs(home)
        loader_files.prepare(Path(conf.get("core", "dags_folder")).expanduser(), workflow.ref, nested)
    mode, why = modes.choose_mode(
        workflow, params, nested=len(nested) > 1, serial=args.serial, parallel=args.parallel
    )
    if executions.scheduler_alive():
        mode, why = "deployment", "a scheduler heartbeats on this metadata DB: it executes the run"
    print(f"mode: {mode} ({why})", file=sys.stderr)
    from attune_provider.cli import secrets

    secrets.register([workflow], params)
    # secret parameters never reach dag_run.conf in clear, whichever way the run is handed over
    # (the runtime unseals them: plugins/secret_conf.py, runtime/context.py)
    from attune_provider.plugins.secret_conf import seal_secret_conf

    conf_params = seal_secret_conf(params, [name for name, p in workflow.parameters.items() if p.secret])
    dag = compile_dag(workflow)
    from attune_provider.cli.inquiries import InquiryWatcher
    from attune_provider.cli.progress import ProgressDisplay
    from attune_provider.cli.stored import result_store

    store = result_store()
    before = dict(store.stats.by_scope)
    before["__total__"] = store.stats.bytes_read
    before["__written__"] = store.stats.bytes_written
    progress = None if args.no_progress else ProgressDisplay(dag.dag_id, record=record).start()
    inquiries = InquiryWatcher(set(nested), interactive=sys.stdin.isatty()).start()
    started = time.monotonic()
    timings: dict[str, float] = {}
    try:
        if mode == "in-process":
            run_id, state = executions.in_process(dag, conf_params, record, home)
        elif mode == "deployment":
            run_id, state = executions.for_deployment(dag.dag_id, conf_params, record)
        else:
            width = modes.workflow_concurrency([workflow])
            run_id, state, timings = executions.with_components(
                list(nested), conf_params, record, width, log=None, on_api=inquiries.use_api
            )
            print(
                "airflow components: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()),
                file=sys.stderr,
            )
    finally:
        inquiries.stop()
        if progress is not None:
            progress.stop()
    return dag, run_id, state, store, before, time.monotonic() - started, mode, timings
