#!/usr/bin/env bash
# Debian's chromium + chromedriver for the browser tests (tests/browser). Idempotent: quick when
# both are installed; otherwise one `apt-get update` and an install. Never downloads a browser build.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "20-chromium: apt-get not available; install chromium and chromium-driver yourself" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
/usr/bin/chromium --version
