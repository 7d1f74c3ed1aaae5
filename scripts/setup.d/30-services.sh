#!/usr/bin/env bash
# Services and Python packages for the multi-process integration suite (tests/integration):
# PostgreSQL (metadata DB) and Redis (Celery broker) from Debian, plus the Celery/Amazon
# providers, psycopg2 and moto's S3 server from PyPI. Idempotent and quick when installed.
# The suite starts its own private server instances on free loopback ports; nothing here
# starts a system-wide service.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ "${#need_apt[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the packages' postinst from starting system services we never use.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PY=.venv/bin/python
if ! "$PY" - <<'PYCHECK' 2>/dev/null; then
import importlib.metadata as md
for dist in ("apache-airflow-providers-celery", "apache-airflow-providers-amazon",
             "psycopg2-binary", "asyncpg", "moto", "boto3", "s3fs", "flask-cors"):
    md.version(dist)
import airflow.providers.celery, psycopg2, asyncpg, moto.server  # noqa: F401
from celery.backends.database import retry  # noqa: F401  (gone in celery 5.7)
PYCHECK
  # bootstrap.sh installs the dev extras against the pinned constraints; repeat it if a package is missing.
  bash scripts/bootstrap.sh dev
fi
