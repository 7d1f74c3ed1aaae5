"""Count log levels in one batch of lines (``<timestamp> <LEVEL> key=value ...``)."""

import json
import sys
from collections import Counter

LEVELS = {"DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL"}

params = json.load(sys.stdin)
lines = params["lines"] if isinstance(params["lines"], list) else [params["lines"]]
counts: Counter[str] = Counter()
services: Counter[str] = Counter()
errors: list[str] = []
for line in lines:
    words = line.split()
    level = next((w for w in words[:3] if w in LEVELS), "UNPARSED")
    level = "WARNING" if level == "WARN" else level
    counts[level] += 1
    service = next((w.split("=", 1)[1] for w in words if w.startswith("service=")), None)
    if service:
        services[service] += 1
    if level in ("ERROR", "CRITICAL") and len(errors) < int(params.get("keep_errors") or 0):
        errors.append(line)
json.dump(
    {"counts": dict(counts), "services": dict(services), "lines": len(lines), "errors": errors}, sys.stdout
)
