"""User directory stand-in: ``{"count": N}`` -> ``{"users": [...], "count": N}``."""

import json
import sys

LOCALES = ("en", "de", "fr", "es")

count = int(json.load(sys.stdin)["count"])
users = [
    {"id": i, "email": f"user{i:05d}@example.test", "locale": LOCALES[i % len(LOCALES)]}
    for i in range(1, count + 1)
]
json.dump({"users": users, "count": count}, sys.stdout)
