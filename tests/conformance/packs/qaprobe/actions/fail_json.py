"""Fail as attune's core scripts do: a JSON line on stdout, ERROR lines on stderr, exit code."""

import json
import sys

params = json.loads(sys.stdin.readline())
print(json.dumps({"ok": False}))
for number in range(1, params["lines"] + 1):
    print(f"ERROR: problem {number}", file=sys.stderr)
sys.exit(params["code"])
