#!/usr/bin/env bash
# The README's main job: install into ./.venv, then run the health-check scenario for real on
# embedded defaults -- SQLite metadata DB and file result store under ./.airflow-home, a local HTTP
# server on 127.0.0.1 standing in for the fleet, the workflow compiled and executed by Airflow
# (`attune-airflow run`: in-process dag.test() by default for its 1,000 quick items, Airflow's own
# processes with RUN_ARGS=--parallel), live progress, then the result and the numbers.
#
# Environment: SERVER_COUNT (default 1000), AIRFLOW_HOME (default ./.airflow-home),
# SKIP_BOOTSTRAP=1 (use ./.venv as it is), RUN_ARGS (extra `attune-airflow run` options, e.g. RUN_ARGS=--serial or RUN_ARGS=--parallel).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

[ "${SKIP_BOOTSTRAP:-0}" = 1 ] || bash scripts/bootstrap.sh runtime  # SKIP_BOOTSTRAP=1: .venv is ready

export AIRFLOW_HOME=${AIRFLOW_HOME:-$ROOT/.airflow-home}
SERVER_COUNT=${SERVER_COUNT:-1000}
mkdir -p "$AIRFLOW_HOME"
WORK=$(mktemp -d)
HEALTH_PID=""
cleanup() {
  if [ -n "$HEALTH_PID" ]; then kill "$HEALTH_PID" 2>/dev/null || true; wait "$HEALTH_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. the fleet: one local HTTP server answering /health/<id> for every server id
.venv/bin/python -m examples.servers.health_server --port 0 >"$WORK/health.out" 2>"$WORK/health.err" &
HEALTH_PID=$!
for _ in $(seq 1 100); do
  BASE_URL=$(head -n1 "$WORK/health.out" 2>/dev/null || true)
  [ -n "$BASE_URL" ] && break
  sleep 0.1
done
if [ -z "${BASE_URL:-}" ]; then echo "health server did not start: $(cat "$WORK/health.err")" >&2; exit 1; fi
echo "== health server for $SERVER_COUNT servers at $BASE_URL"
echo "== AIRFLOW_HOME=$AIRFLOW_HOME"

# 2. the workflow, compiled and run by Airflow; progress on stderr, result JSON on stdout
set +e
.venv/bin/attune-airflow run examples/packs/examples --ref examples.health_check_servers \
  -p "base_url=$BASE_URL" -p "server_count=$SERVER_COUNT" \
  --stats-json "$WORK/stats.json" ${RUN_ARGS:-} >"$WORK/result.json"
STATUS=$?
set -e

# 3. the result and the numbers that matter
echo "== result"
cat "$WORK/result.json"
.venv/bin/python - "$WORK/result.json" "$WORK/stats.json" "$BASE_URL" "$SERVER_COUNT" <<'PY'
import json, sys, urllib.request
result_path, stats_path, base_url, count = sys.argv[1:5]
try:
    stats = json.load(open(stats_path))
except OSError:
    sys.exit("no statistics: the run did not complete")
result = json.load(open(result_path))
served = json.load(urllib.request.urlopen(f"{base_url}/stats", timeout=10))["requests"]
per = stats.get("store_bytes_read_per_mapped_instance") or {}
rows = [
    ("run", f"{stats['dag_id']} / {stats['run_id']} -> {stats['state']}"),
    ("items (servers checked)", f"{result.get('total', '?')} of {count} requested"),
    ("health requests served", f"{served}"),
    ("task instances", f"{stats['task_instances']} " + str(stats["states"])),
    ("mapped instances", f"{stats['mapped_instances']} " + str(stats["mapped_instances_per_task"])),
    ("store bytes read, total", f"{stats['store_bytes_read_total']:,} B"),
    ("store bytes read per mapped instance",
     f"median {per.get('median', 0):,} B (min {per.get('min', 0):,}, max {per.get('max', 0):,})" if per else "n/a"),
    ("store bytes written", f"{stats['store_bytes_written']:,} B"),
    ("wall time (dag.test)", f"{stats['wall_time_s']:.1f} s ({stats.get('mode', 'serial')} mode)"),
]
print("== numbers")
width = max(len(k) for k, _ in rows)
for key, value in rows:
    print(f"  {key:<{width}}  {value}")
PY
exit $STATUS
