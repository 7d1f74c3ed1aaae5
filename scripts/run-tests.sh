#!/usr/bin/env bash
# Install everything the suite needs, then run the whole test suite.
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
exec .venv/bin/python -m pytest -m "" "$@"
