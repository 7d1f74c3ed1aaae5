"""A small threaded HTTP server standing in for a fleet's health endpoints.

``GET /health/<id>`` answers JSON ``{"id", "status", "version", "uptime_s"}`` with HTTP 200
for ``ok`` / ``degraded`` servers and HTTP 503 for ``down`` ones. The status of a server is a
pure function of its id (:func:`expected_status`), so a test can compute the expected summary
of any fleet without hard-coding numbers. ``GET /stats`` returns how many health requests
were served (proves the workflow really called the server).

Run standalone: ``python -m examples.servers.health_server --port 0`` prints the base URL.
"""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Status = Literal["ok", "degraded", "down"]


def expected_status(server_id: int) -> Status:
    """Every 50th server is down, every 7th (not down) is degraded, the rest are ok."""
    if server_id % 50 == 0:
        return "down"
    if server_id % 7 == 0:
        return "degraded"
    return "ok"


class _Handler(BaseHTTPRequestHandler):
    server: HealthServer

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        if parts == ["stats"]:
            self._reply(200, {"requests": self.server.requests})
            return
        if len(parts) != 2 or parts[0] != "health" or not parts[1].isdigit():
            self._reply(404, {"error": f"unknown path {self.path}"})
            return
        server_id = int(parts[1])
        status = expected_status(server_id)
        with self.server.lock:
            self.server.requests += 1
        body = {
            "id": server_id,
            "status": status,
            "version": f"1.{server_id % 5}.0",
            "uptime_s": server_id * 60,
        }
        self._reply(503 if status == "down" else 200, body)

    def _reply(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # quiet: 1,000 requests per run
        pass


class HealthServer(ThreadingHTTPServer):
    """``with HealthServer() as server:`` serves on a free 127.0.0.1 port in a daemon thread."""

    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.lock = threading.Lock()
        self.requests = 0
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HealthServer:
        self._thread = threading.Thread(target=self.serve_forever, name="health-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> HealthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    args = parser.parse_args()
    server = HealthServer(port=args.port)
    print(server.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
