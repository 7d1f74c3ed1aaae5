#!/usr/bin/env bash
# Create ./.venv (Python 3.11+) and install the provider against the pinned constraints file,
# following Airflow's own convention (pyproject.toml keeps open ranges for library users;
# constraints/ pins the tested set so a new release upstream cannot break an install overnight).
#
#   bootstrap.sh          the provider plus its dev extras (tests, linters, integration suite)
#   bootstrap.sh runtime  only what running workflows needs (the main job)
#
# Refresh the pins with scripts/refresh-constraints.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-dev}
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
PYVER=$(.venv/bin/python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
CONSTRAINTS=constraints/constraints-$PYVER.txt
CFLAG=()
if [ -f "$CONSTRAINTS" ]; then
  CFLAG=(-c "$CONSTRAINTS")
else
  echo "bootstrap: no $CONSTRAINTS for Python $PYVER; installing unpinned (run scripts/refresh-constraints.sh after a green test run)" >&2
fi
case "$MODE" in
  dev) TARGET=".[dev]" ;;
  runtime) TARGET="." ;;
  *) echo "bootstrap: unknown mode '$MODE' (dev or runtime)" >&2; exit 2 ;;
esac
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "${CFLAG[@]}" -e "$TARGET"
