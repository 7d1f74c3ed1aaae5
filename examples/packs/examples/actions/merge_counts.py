"""Reduce step: sum per-batch ``{level: count}`` mappings into one."""

import json
import sys
from collections import Counter

partials = json.load(sys.stdin)["partials"]
total: Counter[str] = Counter()
for partial in partials:
    total.update(partial)
json.dump(
    {"by_level": dict(sorted(total.items())), "total": sum(total.values()), "batches": len(partials)},
    sys.stdout,
)
