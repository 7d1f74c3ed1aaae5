import json
import sys

params = json.load(sys.stdin)
print(f"user {params['user']} uses token {params['token']}")
print(f"debug token={params['token']}", file=sys.stderr)
