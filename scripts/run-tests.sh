#!/usr/bin/env bash
# Install everything the suite needs, then run the whole test suite.
#
#   run-tests.sh              every tier, as concurrent pytest processes (see GROUPS_EXPR)
#   run-tests.sh ARGS...      one pytest process, `pytest -m "" ARGS...` (e.g. a file or -k)
#   ATTUNE_TEST_GROUPS=1 run-tests.sh   every tier in one pytest process (the old serial run)
#
# Why concurrent processes: much of the suite's wall time is waiting (the integration deployment's
# start-up and Celery runs, the api-server, CLI subprocesses), so on 2 cores a second and third
# process fill the idle core. Each process is a separate pytest session with its own AIRFLOW_HOME
# (tests/conftest.py makes one per process; ATTUNE_TEST_AIRFLOW_HOME is unset for them), SQLite DB,
# result store and free ports, so nothing is shared between them. Their logs are printed whole, one
# after another, as each finishes; the output closes with one line `N passed, N failed[, N skipped]`
# summing every process (errors, and a process that failed without a count of its own, are counted
# as failed), and the exit status is non-zero when any process failed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
for setup in scripts/setup.d/*.sh; do
  [ -e "$setup" ] || continue
  echo "== $setup"
  bash "$setup"
done
.venv/bin/ruff check attune_provider tests benchmarks dags
.venv/bin/mypy  # the package ships py.typed: its types are checked ([tool.mypy] in pyproject.toml)
# -m "" lifts the fast-tier default of pyproject.toml: every tier runs, integration and browser included.
if [ "$#" -gt 0 ] || [ "${ATTUNE_TEST_GROUPS:-}" = "1" ]; then
  exec .venv/bin/python -m pytest -m "" "$@"
fi

# The groups partition the suite (every test is in exactly one): by marker, and the in-process
# Airflow tier also by folder, since it is the longest (tests/cli runs the CLI in subprocesses).
# Browser tests carry both `browser` and `airflow`. GROUP_PATHS holds extra pytest arguments
# without spaces (folders, --ignore=...). The longest-running groups start first.
AIRFLOW_ONLY="airflow and not browser and not integration"
GROUPS_EXPR=(
  "integration"
  "$AIRFLOW_ONLY"
  "$AIRFLOW_ONLY"
  "browser and not integration"
  "not airflow and not integration and not browser"
)
GROUP_PATHS=(
  ""
  "tests/cli"
  "--ignore=tests/cli"
  ""
  ""
)
GROUP_NAMES=(integration airflow-cli airflow browser fast)
# The groups that wait on servers under wall-clock deadlines (the deployment's start-up and runs,
# the api-server and Chromium) keep normal priority; the in-process groups run niced, so they take
# the CPU those leave idle instead of starving them.
GROUP_NICE=(0 10 10 0 10)

PYTEST_WITH_SIGINT='import signal, sys, pytest
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.exit(pytest.console_main())'
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/attune-test-logs-XXXXXX")
TESTS_START=$SECONDS
declare -a PIDS STARTED RCS ELAPSED
# Interrupted (Ctrl-C, CI timeout): interrupt every pytest still running, so each one's fixture
# finalizers stop the servers and deployments it started, then stop.
stop_groups() {
  trap - INT TERM
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait || true
  for i in "${!PIDS[@]}"; do
    [ -n "${RCS[$i]:-}" ] && continue  # finished before the interrupt: its log is printed already
    echo "======== interrupted: ${GROUP_NAMES[$i]} ($LOGS/$i.log) ========"
    cat "$LOGS/$i.log"
  done
  echo "run-tests.sh interrupted"
  echo "0 passed, 1 failed"
  exit 130
}
trap stop_groups INT TERM
for i in "${!GROUPS_EXPR[@]}"; do
  # bash starts background jobs with SIGINT ignored, and a script that was itself started in the
  # background cannot undo that (`trap - INT`): pytest gets Python's handler back itself, so an
  # interrupt runs its fixture finalizers.
  read -ra paths <<<"${GROUP_PATHS[$i]}"
  (unset ATTUNE_TEST_AIRFLOW_HOME; exec nice -n "${GROUP_NICE[$i]}" .venv/bin/python -c "$PYTEST_WITH_SIGINT" \
    -m "${GROUPS_EXPR[$i]}" "${paths[@]}" --durations=25 </dev/null >"$LOGS/$i.log" 2>&1) &
  PIDS[i]=$!
  STARTED[i]=$SECONDS
  echo "== pytest -m '${GROUPS_EXPR[$i]}' ${GROUP_PATHS[$i]} (${GROUP_NAMES[$i]}) started, pid ${PIDS[$i]}, log $LOGS/$i.log"
done

remaining=${#PIDS[@]}
while [ "$remaining" -gt 0 ]; do
  sleep 2
  for i in "${!PIDS[@]}"; do
    [ -n "${RCS[$i]:-}" ] && continue
    kill -0 "${PIDS[$i]}" 2>/dev/null && continue
    rc=0
    wait "${PIDS[$i]}" || rc=$?
    RCS[i]=$rc
    ELAPSED[i]=$((SECONDS - STARTED[i]))
    remaining=$((remaining - 1))
    echo
    echo "======== ${GROUP_NAMES[$i]}: pytest -m '${GROUPS_EXPR[$i]}' ${GROUP_PATHS[$i]} (exit $rc, ${ELAPSED[$i]} s wall) ========"
    cat "$LOGS/$i.log"
  done
done

# One closing line for CI: the sums of every process's pytest summary line.
count() {  # count WORD LINE -> the number before WORD in a pytest summary line, 0 if absent
  local n
  n=$(grep -oE "[0-9]+ $1" <<<"$2" | head -1 | cut -d' ' -f1 || true)
  echo "${n:-0}"
}
passed=0 failed=0 skipped=0 status=0
echo
echo "======== test groups ========"
for i in "${!PIDS[@]}"; do
  summary=$(grep -E '^=+ .* in [0-9.]+s' "$LOGS/$i.log" | tail -1 || true)
  p=$(count passed "$summary")
  f=$(($(count failed "$summary") + $(count errors? "$summary")))
  s=$(count skipped "$summary")
  if [ "${RCS[$i]}" -ne 0 ]; then
    status=1
    if [ "$f" -eq 0 ]; then
      f=1  # a process that failed without counting a failure (crash, collection error, no tests)
    fi
  fi
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  echo "${GROUP_NAMES[$i]}: exit ${RCS[$i]}, ${ELAPSED[$i]} s wall: ${summary:-no pytest summary line}"
done
echo "all groups: $((SECONDS - TESTS_START)) s wall for the tests, $SECONDS s since run-tests.sh started"
rm -rf "$LOGS"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
