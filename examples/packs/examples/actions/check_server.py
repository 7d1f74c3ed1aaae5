"""GET ``<base_url>/health/<id>`` and report the server's state.

HTTP 200 -> the status the server reports (ok / degraded); HTTP 5xx -> ``down``; a connection
error -> ``unreachable``. Only a malformed answer makes the action fail (exit 1).
"""

import json
import sys
import time
import urllib.error
import urllib.request

params = json.load(sys.stdin)
server = params["server"]
url = f"{params['base_url'].rstrip('/')}/health/{server['id']}"
started = time.monotonic()
try:
    with urllib.request.urlopen(url, timeout=float(params.get("timeout") or 5)) as response:
        http_status, body = response.status, json.load(response)
        status = body["status"]
except urllib.error.HTTPError as exc:
    http_status, body = exc.code, json.load(exc)
    status = "down" if exc.code >= 500 else "error"
except (urllib.error.URLError, OSError) as exc:
    http_status, body, status = None, {"error": str(exc)}, "unreachable"
latency_ms = round((time.monotonic() - started) * 1000, 2)
print(f"{server['name']}: {status} (HTTP {http_status}, {latency_ms} ms)", file=sys.stderr)
json.dump(
    {
        "id": server["id"],
        "name": server["name"],
        "status": status,
        "healthy": status == "ok",
        "http_status": http_status,
        "version": body.get("version"),
        "latency_ms": latency_ms,
    },
    sys.stdout,
)
