#!/usr/bin/env bash
# Node.js and npm for nodejs pack actions (attune's nodejs runtime: `node`, dependencies from
# package.json through `npm install --prefix`): tests/actions/test_runtimes.py runs one.
# Debian's packages; idempotent and quick when both are present.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
node --version && npm --version
