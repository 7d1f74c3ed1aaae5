"""Deliver one batch: write ``<sink_dir>/batch-<n>.jsonl`` atomically (a retry never duplicates)."""

import json
import os
import sys
import tempfile
from pathlib import Path

GREETING = {"en": "Hello", "de": "Hallo", "fr": "Bonjour", "es": "Hola"}

params = json.load(sys.stdin)
sink = Path(params["sink_dir"])
sink.mkdir(parents=True, exist_ok=True)
target = sink / f"batch-{int(params['batch']):05d}.jsonl"
lines = [
    json.dumps(
        {
            "to": user["email"],
            "user_id": user["id"],
            "subject": params["subject"],
            "body": f"{GREETING.get(user['locale'], 'Hello')} user {user['id']}, {params['subject']}",
        }
    )
    for user in params["users"]
]
fd, tmp = tempfile.mkstemp(dir=sink, prefix=".batch-")
with os.fdopen(fd, "w") as handle:
    handle.write("\n".join(lines) + "\n")
os.replace(tmp, target)
print(f"delivered {len(lines)} notifications to {target}", file=sys.stderr)
json.dump({"sent": len(lines), "batch": params["batch"], "file": str(target)}, sys.stdout)
