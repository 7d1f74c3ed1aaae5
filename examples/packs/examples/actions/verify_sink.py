"""Read back every ``batch-*.jsonl`` in the sink: messages, distinct recipients, files."""

import json
import sys
from pathlib import Path

sink = Path(json.load(sys.stdin)["sink_dir"])
files = sorted(sink.glob("batch-*.jsonl")) if sink.is_dir() else []
recipients: set[str] = set()
delivered = 0
for file in files:
    for line in file.read_text().splitlines():
        if line.strip():
            delivered += 1
            recipients.add(json.loads(line)["to"])
json.dump({"files": len(files), "delivered": delivered, "recipients": len(recipients)}, sys.stdout)
