#!/usr/bin/env bash
# Docker Compose (Debian's docker-compose) so CI can validate docker/docker-compose.yaml with
# `docker-compose config` offline. No Docker daemon runs on CI machines; nothing is started.
set -euo pipefail
if ! command -v docker-compose >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
