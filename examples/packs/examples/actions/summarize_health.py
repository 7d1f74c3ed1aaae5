"""Reduce check_server results to counts per status and the list of unhealthy servers."""

import json
import sys
from collections import Counter

params = json.load(sys.stdin)
checks = [c.get("data", c) if isinstance(c, dict) and "data" in c else c for c in params["checks"]]
by_status = Counter(check["status"] for check in checks)
unhealthy = sorted(check["name"] for check in checks if not check["healthy"])
json.dump(
    {
        "total": len(checks),
        "healthy": by_status.get("ok", 0),
        "by_status": dict(sorted(by_status.items())),
        "unhealthy": unhealthy,
    },
    sys.stdout,
)
