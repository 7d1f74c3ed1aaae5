"""Log entries as a list: a file's non-empty lines, or ``count`` generated lines.

Generated entry i has level ERROR when i % 97 == 0, WARNING when i % 13 == 0, DEBUG when
i % 5 == 0, else INFO (deterministic, so a run's counts can be checked).
"""

import json
import sys
from pathlib import Path

SERVICES = ("api", "billing", "search", "auth")


def level(i: int) -> str:
    if i % 97 == 0:
        return "ERROR"
    if i % 13 == 0:
        return "WARNING"
    if i % 5 == 0:
        return "DEBUG"
    return "INFO"


params = json.load(sys.stdin)
if params.get("log_file"):
    path = Path(params["log_file"])
    entries = [line for line in path.read_text().splitlines() if line.strip()]
    source = str(path)
else:
    count = int(params.get("count") or 0)
    entries = [
        f"2026-01-01T00:{i // 3600 % 60:02d}:{i % 60:02d}Z {level(i)} service={SERVICES[i % 4]} request={i} "
        f"msg={'upstream timeout' if level(i) == 'ERROR' else 'ok'}"
        for i in range(1, count + 1)
    ]
    source = "generated"
json.dump({"entries": entries, "count": len(entries), "source": source}, sys.stdout)
