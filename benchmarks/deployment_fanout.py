"""Fan-out at deployment scale: scheduler, Celery workers, Postgres and S3, three XCom backends.

Command (after ``bash scripts/setup.d/30-services.sh``)::

    .venv/bin/python benchmarks/deployment_fanout.py              # the full matrix (about an hour on 2 cores)
    .venv/bin/python benchmarks/deployment_fanout.py --quick      # smallest variant: N = 10, C in {~0, 100 kB}

It starts the integration tier's real deployment (``tests/integration/deployment.py``: Postgres,
Redis, moto S3 behind a counting proxy, api-server, scheduler, dag-processor, triggerer) and adds
one Celery worker per XCom backend, each serving its own queue with ``[core] xcom_backend`` set
for that worker only (the backend runs in the worker's task processes; the scheduler and
api-server store and hand out XCom rows as they are). The backends:

* ``stock``: Airflow's ``BaseXCom`` (values in the metadata DB);
* ``common-io``: ``XComObjectStorageBackend`` on the same S3 server (threshold 0: every value in S3);
* ``attune``: ``AttuneXComBackend`` (the result store on S3).

The matrix runs the hand-written DAG a data team writes (``benchmarks/deployment_actions.py``):
``produce`` returns N items whose payloads total C bytes (incompressible), ``per_item`` is mapped
over them (``per_item.expand(item=produce())``) and checks its item. One copy per backend (only
the queue differs). At the smallest C it runs 3 times per backend, stock and ours interleaved.
The scale point is an attune workflow on our backend (``with_items`` over the same list; above
``[core] max_map_length`` the compiler batches items): N = 2,000 against N = 200, both at C = 1 MB.

Measured per run, on the server side:

* bytes read per mapped instance: S3 GET response bytes (counting proxy between the backend's
  worker and S3) plus XCom bytes the execution API returned to the worker (a counting proxy in
  front of the api-server's ``/execution`` routes, i.e. what the metadata DB handed out), divided
  by the number of mapped instances (so the producer's and the leaf task's reads are included:
  a conservative figure for every backend);
* S3 GET requests per mapped instance;
* wall time of the DAG run (REST ``queued_at`` to ``end_date``);
* median and p95 of the mapped instances' ``duration``;
* peak RSS of a task process (each instance records its own ``ru_maxrss``);
* growth of the metadata DB (``pg_database_size`` before and after).

It prints ratios against the baselines of the same run, checks the targets of issue 24, writes
JSON (``--json``) and draws bytes per instance and wall time against C (``--plot``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.deployment_actions import PLAIN_DAG_TEMPLATE, WORKFLOW_TEMPLATE  # noqa: E402
from tests.integration.airflow_config import BUCKET, S3_CONN_ID, VENV_BIN, s3_conn_json  # noqa: E402
from tests.integration.deployment import Deployment, start_deployment  # noqa: E402
from tests.integration.processes import free_port, wait_until  # noqa: E402
from tests.integration.s3_proxy import CountingS3Proxy  # noqa: E402

BACKENDS: dict[str, dict[str, str]] = {
    "stock": {"AIRFLOW__CORE__XCOM_BACKEND": "airflow.sdk.execution_time.xcom.BaseXCom"},
    "common-io": {
        "AIRFLOW__CORE__XCOM_BACKEND": "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend",
        "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH": f"s3://{S3_CONN_ID}@{BUCKET}/common-io",
        "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD": "0",
    },
    "attune": {"AIRFLOW__CORE__XCOM_BACKEND": "attune_provider.xcom.AttuneXComBackend"},
    # ours with small values kept in the XCom row ([attune] inline_threshold): only in the C ~ 0 repetitions,
    # to show what the S3 round trip (and its client's import in every task process) costs a tiny fan-out
    "attune-inline": {
        "AIRFLOW__CORE__XCOM_BACKEND": "attune_provider.xcom.AttuneXComBackend",
        "AIRFLOW__ATTUNE__INLINE_THRESHOLD": "65536",
    },
}
MATRIX_BACKENDS = ("stock", "common-io", "attune")
MAPPED_TASK = {"workflow": "process.run", "plain": "per_item"}


@dataclass
class RunResult:
    """What one DAG run cost, measured from outside the task code (RSS excepted)."""

    kind: str
    backend: str
    items: int
    context_bytes: int
    state: str
    instances: int
    bytes_per_instance: float
    s3_bytes_per_instance: float
    api_xcom_bytes_per_instance: float
    s3_gets_per_instance: float
    wall_s: float
    median_task_s: float
    p95_task_s: float
    peak_rss_bytes: int
    db_growth_bytes: int


def _name(backend: str) -> str:
    return backend.replace("-", "_")


def write_sources(folder: Path) -> tuple[list[Path], list[Path]]:
    """One workflow file and one plain DAG file per backend, identical but for the queue."""
    workflows, dags = [], []
    for backend in BACKENDS:
        fields = {"name": _name(backend), "backend": backend, "queue": f"q_{_name(backend)}"}
        workflow = folder / f"bench_fanout_{fields['name']}.yaml"
        workflow.write_text(WORKFLOW_TEMPLATE.format(**fields))
        dag_file = folder / f"bench_plain_{fields['name']}.py"
        dag_file.write_text(PLAIN_DAG_TEMPLATE.format(**fields))
        workflows.append(workflow)
        dags.append(dag_file)
    return workflows, dags


class Bench:
    """The deployment plus one counted worker per backend."""

    def __init__(self, deploy: Deployment, rss_dir: Path, concurrency: int) -> None:
        self.deploy = deploy
        self.rss_dir = rss_dir
        s3_ports = {backend: free_port() for backend in BACKENDS}
        api_ports = {backend: free_port() for backend in BACKENDS}
        self.s3 = CountingS3Proxy(deploy.ports["moto"], s3_ports)
        self.api = CountingS3Proxy(deploy.ports["api"], api_ports)
        self.s3.start()
        self.api.start()
        for backend, overrides in BACKENDS.items():
            env = {
                **deploy.env,
                **overrides,
                f"AIRFLOW_CONN_{S3_CONN_ID.upper()}": s3_conn_json(s3_ports[backend]),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_ports[backend]}/execution/",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "BENCH_RSS_DIR": str(rss_dir),
            }
            workdir = deploy.root / f"bench-{backend}"
            workdir.mkdir()
            argv = [str(VENV_BIN / "airflow"), "celery", "worker", "--queues", f"q_{_name(backend)}"]
            argv += ["--celery-hostname", f"bench-{backend}@%h", "--concurrency", str(concurrency)]
            argv += ["--without-gossip", "--without-mingle"]
            proc = deploy.spawn(f"bench-{backend}", argv, env=env, cwd=workdir)
            wait_until(lambda proc=proc: (deploy.check_alive() or True) and " ready." in proc.log_text(), 180,
                       f"celery worker for {backend}")

    def db_size(self) -> int:
        import psycopg2

        with contextlib.closing(
            psycopg2.connect(host="127.0.0.1", port=self.deploy.ports["postgres"], user="airflow", dbname="airflow")
        ) as conn, conn.cursor() as cur:
            cur.execute("select pg_database_size('airflow')")
            return int(cur.fetchone()[0])

    def mapped_durations(self, dag_id: str, run_id: str, task_id: str) -> list[float]:
        durations: list[float] = []
        offset = 0
        while True:
            page = self.deploy.api(
                "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=100&offset={offset}"
            )["task_instances"]
            durations += [ti["duration"] or 0.0 for ti in page if ti["task_id"] == task_id and ti["map_index"] >= 0]
            if len(page) < 100:
                return durations
            offset += 100

    def run(self, kind: str, backend: str, items: int, context_bytes: int, timeout: float) -> RunResult:
        dag_id = f"bench.fanout_{_name(backend)}" if kind == "workflow" else f"bench_plain_{_name(backend)}"
        tag = f"{kind}-{backend}-{items}-{context_bytes}-{uuid.uuid4().hex[:6]}"
        conf: dict[str, Any] = {"count": items, "tag": tag, "total_bytes": context_bytes}
        self.s3.reset()
        self.api.reset()
        before = self.db_size()
        run_id = self.deploy.trigger(dag_id, conf)
        state = self.deploy.wait_for_runs(dag_id, [run_id], timeout)[run_id]
        info = self.deploy.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        growth = self.db_size() - before
        gets = [r for r in self.s3.requests() if r.label == backend and r.method == "GET"]
        xcom_reads = [
            r for r in self.api.requests()
            if r.label == backend and r.method == "GET" and r.bucket == "execution" and r.key.startswith("xcoms/")
        ]
        durations = self.mapped_durations(dag_id, run_id, MAPPED_TASK[kind])
        n = max(1, len(durations))
        rss = [int(p.read_text()) for p in (self.rss_dir / tag).glob("*")] if (self.rss_dir / tag).is_dir() else []
        s3_bytes = sum(r.bytes_out for r in gets)
        api_bytes = sum(r.bytes_decoded for r in xcom_reads)  # as the DB/API handed it out, before gzip
        return RunResult(
            kind=kind,
            backend=backend,
            items=items,
            context_bytes=context_bytes,
            state=state,
            instances=len(durations),
            bytes_per_instance=(s3_bytes + api_bytes) / n,
            s3_bytes_per_instance=s3_bytes / n,
            api_xcom_bytes_per_instance=api_bytes / n,
            s3_gets_per_instance=len(gets) / n,
            wall_s=_seconds(info.get("queued_at") or info["start_date"], info["end_date"]),
            median_task_s=statistics.median(durations) if durations else 0.0,
            p95_task_s=_p95(durations),
            peak_rss_bytes=max(rss, default=0),
            db_growth_bytes=growth,
        )


def _seconds(start: str, end: str) -> float:
    return (dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds()


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _fmt_bytes(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def print_table(results: list[RunResult]) -> None:
    header = (
        f"{'kind':8s} {'backend':9s} {'N':>5s} {'C':>8s} {'state':8s} {'bytes/inst':>10s} {'S3 GET/inst':>11s} "
        f"{'wall s':>7s} {'med s':>6s} {'p95 s':>6s} {'peak RSS':>9s} {'DB growth':>9s}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.kind:8s} {r.backend:9s} {r.items:>5d} {_fmt_bytes(r.context_bytes):>8s} {r.state:8s} "
            f"{_fmt_bytes(r.bytes_per_instance):>10s} {r.s3_gets_per_instance:>11.2f} {r.wall_s:>7.1f} "
            f"{r.median_task_s:>6.2f} {r.p95_task_s:>6.2f} {_fmt_bytes(r.peak_rss_bytes):>9s} "
            f"{_fmt_bytes(r.db_growth_bytes):>9s}"
        )


def check_targets(
    results: list[RunResult], items: int, sizes: list[int], scale_items: int, scale_bytes: int
) -> list[str]:
    """Issue 24's targets as ratios of this run's own baselines; one line each, OK or MISSED."""
    lines: list[str] = []

    def verdict(ok: bool) -> str:
        return "OK" if ok else "MISSED"

    def one(kind: str, backend: str, n: int, c: int) -> RunResult | None:
        return next((r for r in results if (r.kind, r.backend, r.items, r.context_bytes) == (kind, backend, n, c)), None)

    big, small = max(sizes), min(sizes)
    ours_big, ours_small = one("plain", "attune", items, big), one("plain", "attune", items, small)
    if ours_big and ours_small:
        for other in ("stock", "common-io"):
            base = one("plain", other, items, big)
            if base:
                fewer = base.bytes_per_instance / max(1.0, ours_big.bytes_per_instance)
                lines.append(f"C={_fmt_bytes(big)}: {fewer:.1f}x fewer bytes per instance than {other} "
                             f"(target >= 50x, ideal {items}x): {verdict(fewer >= 50)}")
        common = one("plain", "common-io", items, big)
        if common:
            ratio = ours_big.wall_s / max(1e-9, common.wall_s)
            lines.append(f"C={_fmt_bytes(big)}: run wall time {ratio:.2f}x common-io's (target <= 0.5x): {verdict(ratio <= 0.5)}")
        rss = ours_big.peak_rss_bytes / max(1, ours_small.peak_rss_bytes)
        lines.append(f"peak task RSS at C={_fmt_bytes(big)} vs C={_fmt_bytes(small)}: {rss:.2f}x (target <= 1.20x): "
                     f"{verdict(rss <= 1.2)}")
        per = ours_big.median_task_s / max(1e-9, ours_small.median_task_s)
        lines.append(f"median time per instance at C={_fmt_bytes(big)} vs C={_fmt_bytes(small)}: {per:.2f}x "
                     f"(target <= 1.15x): {verdict(per <= 1.15)}")
        stock_big, stock_small = one("plain", "stock", items, big), one("plain", "stock", items, small)
        if stock_big and stock_small:
            lines.append(f"  (stock, same comparison: {stock_big.median_task_s / max(1e-9, stock_small.median_task_s):.2f}x)")
    plain = {b: [r for r in results if r.kind == "plain" and r.backend == b and r.context_bytes == small]
             for b in ("stock", "attune", "attune-inline")}
    for ours_name in ("attune", "attune-inline"):
        if not (plain["stock"] and plain[ours_name]):
            continue
        stock_med = statistics.median(r.median_task_s for r in plain["stock"])
        ours_med = statistics.median(r.median_task_s for r in plain[ours_name])
        stock_wall = statistics.median(r.wall_s for r in plain["stock"])
        ours_wall = statistics.median(r.wall_s for r in plain[ours_name])
        spread = max(r.wall_s for r in plain["stock"]) / max(1e-9, min(r.wall_s for r in plain["stock"]))
        lines.append(
            f"plain @task.expand DAG at C={_fmt_bytes(small)}, {ours_name} vs stock, medians of "
            f"{len(plain[ours_name])}/{len(plain['stock'])} interleaved runs: task {ours_med:.2f}s vs {stock_med:.2f}s "
            f"({ours_med / max(1e-9, stock_med):.2f}x), run {ours_wall:.1f}s vs {stock_wall:.1f}s "
            f"({ours_wall / max(1e-9, stock_wall):.2f}x; stock's own spread {spread:.2f}x) "
            f"(target: not slower within noise): {verdict(ours_wall <= stock_wall * spread)}"
        )
    scale = one("workflow", "attune", scale_items, scale_bytes) if scale_items else None
    base = one("workflow", "attune", items, scale_bytes)
    if scale and base:
        per = scale.median_task_s / max(1e-9, base.median_task_s)
        lines.append(f"N={scale_items} (batched, {scale.instances} instances) {scale.state}; median time per instance "
                     f"{per:.2f}x the N={items} run's (target <= 1.2x): {verdict(scale.state == 'success' and per <= 1.2)}")
    return lines


#: S3 Standard list prices (us-east-1) per 1,000 requests, used only for the projection's cost column
S3_GET_PRICE_PER_1000 = 0.0004


def projection(results: list[RunResult], items: int, target_items: int, workers: tuple[int, ...]) -> list[str]:
    """Scale the measured per-instance figures of each backend at the largest C to ``target_items``.

    Everything printed here is projected (measured per-instance figure x instance count); the
    per-instance figures themselves are this run's measurements. Worker time assumes the measured
    median task duration and ``concurrency`` task slots per worker, i.e. no scheduler or DB limit.
    """
    big = max((r.context_bytes for r in results if r.kind == "plain"), default=0)
    lines = [f"projection to {target_items:,} mapped instances from the N={items}, C={_fmt_bytes(big)} runs "
             "(projected, not measured):"]
    for backend in MATRIX_BACKENDS:
        r = next((x for x in results if (x.kind, x.backend, x.items, x.context_bytes) == ("plain", backend, items, big)),
                 None)
        if r is None:
            continue
        # C grows with the item count at a fixed item size: per-instance bytes of a whole-list reader scale by
        # target/N, an item reader's stay flat
        item_reader = r.bytes_per_instance < big / 2
        per_instance = r.bytes_per_instance if item_reader else r.bytes_per_instance * target_items / items
        moved = per_instance * target_items
        gets = r.s3_gets_per_instance * target_items
        db = r.db_growth_bytes / max(1, r.instances) * target_items
        hours = ", ".join(
            f"{k} workers x 16 slots: {r.median_task_s * target_items / (k * 16) / 3600:.1f} h" for k in workers
        )
        lines.append(
            f"  {backend:9s}: {_fmt_bytes(per_instance)} per instance, {_fmt_bytes(moved)} moved in total, "
            f"{gets:,.0f} S3 GETs (${gets / 1000 * S3_GET_PRICE_PER_1000:,.2f} at list price), "
            f"metadata DB +{_fmt_bytes(db)}; task time at the measured median: {hours}"
        )
    return lines


def plot(results: list[RunResult], items: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for backend in MATRIX_BACKENDS:
        rows = [r for r in results if r.kind == "plain" and r.backend == backend and r.items == items]
        sizes = sorted({r.context_bytes for r in rows})
        if not sizes:
            continue
        xs = [max(c, 1000) / 1e6 for c in sizes]  # C ~ 0 is drawn at 1 kB
        medians = [[r for r in rows if r.context_bytes == c] for c in sizes]
        left.plot(xs, [statistics.median(r.bytes_per_instance for r in m) for m in medians], marker="o", label=backend)
        right.plot(xs, [statistics.median(r.wall_s for r in m) for m in medians], marker="o", label=backend)
    left.set(xscale="log", yscale="log", xlabel="C, fanned-out value (MB; ~0 drawn at 0.001)", ylabel="bytes read per mapped instance",
             title=f"Bytes per instance, N = {items}")
    right.set(xscale="log", xlabel="C, fanned-out value (MB; ~0 drawn at 0.001)", ylabel="DAG run wall time (s)",
              title="Run wall time (Celery, Postgres, S3)")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def report(results: list[RunResult], args: argparse.Namespace, sizes: list[int]) -> None:
    """The table, the targets, the projection, the JSON and the picture, from measured runs."""
    print("\ndeployment_fanout: Celery + Postgres + S3 (moto on loopback), one worker per backend\n")
    print_table(results)
    lines = check_targets(results, args.items, sizes, args.scale_items, args.scale_bytes)
    print("\nratios against this run's baselines:")
    for line in lines:
        print("  " + line)
    print()
    for line in projection(results, args.items, 100_000, (4, 16, 64)):
        print(line)
    save(results, args, lines)
    print(f"\nwrote {args.json}")
    if args.plot:
        plot(results, args.items, args.plot)
        print(f"wrote {args.plot}")


def save(results: list[RunResult], args: argparse.Namespace, targets: list[str] | None = None) -> None:
    """Written after every run too (``targets`` None): an interrupted benchmark keeps what it measured."""
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items() if k != "report"},
                                     "complete": targets is not None,
                                     "results": [asdict(r) for r in results], "targets": targets or []}, indent=2))


def load(paths: list[Path]) -> list[RunResult]:
    """Runs saved by earlier invocations (``--report``), all kept, in file order (the targets take
    the first run of a configuration; repetitions of the plain DAG at the smallest C all count)."""
    results: list[RunResult] = []
    for path in paths:
        results.extend(RunResult(**row) for row in json.loads(path.read_text())["results"])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200, help="N, items per fan-out")
    parser.add_argument("--sizes", default="0,1000000,10000000", help="C values in bytes, comma-separated")
    parser.add_argument("--scale-items", type=int, default=2000, help="N of the scale point at C = 1 MB (0: skip)")
    parser.add_argument("--scale-bytes", type=int, default=1_000_000, help="C of the scale point")
    parser.add_argument("--plain-reps", type=int, default=3, help="interleaved runs of the plain DAG per backend")
    parser.add_argument("--concurrency", type=int, default=4, help="Celery worker concurrency per backend")
    parser.add_argument("--quick", action="store_true", help="smallest variant (a functional check, not a figure)")
    parser.add_argument("--skip-matrix", action="store_true", help="only the scale point (N=items and N=scale-items)")
    parser.add_argument("--report", type=Path, nargs="+", default=None,
                        help="no runs: report the runs saved in these JSON files (e.g. a matrix and a scale run)")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "deployment_fanout.json")
    parser.add_argument("--plot", type=Path, default=None, help="PNG path (e.g. docs/images/deployment_fanout.png)")
    args = parser.parse_args()
    if args.quick:
        args.items, args.sizes, args.scale_items, args.scale_bytes, args.plain_reps = 10, "0,100000", 20, 100_000, 2
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.report:
        report(load(args.report), args, sizes)
        return

    # SIGTERM (a CI timeout, `kill`) must still stop the deployment: turn it into SystemExit so `finally` runs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    root = Path(tempfile.mkdtemp(prefix="deployment-fanout-"))
    workflows, dag_files = write_sources(root)
    started = time.monotonic()
    deploy = start_deployment(dag_files=[REPO / "dags" / "attune_dags.py", *dag_files], workflow_files=workflows,
                              worker_concurrency=1)
    results: list[RunResult] = []

    def measure(kind: str, backend: str, n: int, c: int, label: str = "") -> None:
        print(f"{kind} {backend} N={n} C={_fmt_bytes(c)}{label} ...", file=sys.stderr, flush=True)
        results.append(bench.run(kind, backend, n, c, timeout))
        save(results, args)

    try:
        bench = Bench(deploy, root / "rss", args.concurrency)
        dag_ids = [f"bench.fanout_{_name(b)}" for b in BACKENDS] + [f"bench_plain_{_name(b)}" for b in BACKENDS]
        deploy.wait_for_dags(dag_ids, timeout=300)
        for dag_id in dag_ids:
            deploy.unpause(dag_id)
        print(f"deployment ready in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        backends = list(MATRIX_BACKENDS)
        timeout = 600 + 3.0 * max(args.items, args.scale_items)
        if not args.skip_matrix:
            for i, size in enumerate(sizes):
                for backend in backends[i % 3:] + backends[: i % 3]:  # rotate the order: no backend always first
                    measure("plain", backend, args.items, size)
            measure("plain", "attune-inline", args.items, min(sizes))
            for rep in range(1, args.plain_reps):  # the matrix ran the first repetition at the smallest C
                for backend in (["attune", "attune-inline", "stock"] if rep % 2 else ["stock", "attune-inline", "attune"]):
                    measure("plain", backend, args.items, min(sizes), f" rep {rep + 1}")
        if args.scale_items:
            for n in (args.items, args.scale_items):
                measure("workflow", "attune", n, args.scale_bytes)
    finally:
        deploy.stop()

    report(results, args, sizes)
    failed = [r for r in results if r.state != "success"]
    if failed:
        raise SystemExit(f"{len(failed)} run(s) did not succeed: {[(r.kind, r.backend, r.state) for r in failed]}")
    if os.environ.get("BENCH_KEEP") is None:
        import shutil

        shutil.rmtree(deploy.root, ignore_errors=True)


if __name__ == "__main__":
    main()
