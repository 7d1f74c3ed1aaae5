"""Inventory stand-in: ``{"count": N}`` on stdin -> ``{"servers": [...], "count": N}`` on stdout."""

import json
import sys

ZONES = ("eu-west-1a", "eu-west-1b", "us-east-1a", "us-east-1c")

params = json.load(sys.stdin)
count = int(params["count"])
servers = [{"id": i, "name": f"srv-{i:04d}", "zone": ZONES[i % len(ZONES)]} for i in range(1, count + 1)]
json.dump({"servers": servers, "count": count}, sys.stdout)
