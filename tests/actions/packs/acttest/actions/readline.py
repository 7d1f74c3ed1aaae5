"""attune's documented pattern, unchanged: one JSON line on stdin (parameter_passing.rs::format_json)."""

import json
import sys

params = json.loads(sys.stdin.readline())
print(json.dumps({"greeting": f"hello {params['name']}", "tags": params["tags"], "rest": sys.stdin.read()}))
