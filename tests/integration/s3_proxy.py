"""A counting HTTP proxy on loopback in front of the S3 server.

Why: the suite must prove on the server side that each Celery worker read only its own items
from S3. Every worker talks to S3 through its own listening port, so each request is attributed
to the worker that made it, and the proxy records method, object key, Range header and the bytes
it sent back. Requests are forwarded verbatim (Host header included, so signatures still match).
"""

from __future__ import annotations

import gzip
import http.client
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te"}


@dataclass(frozen=True)
class S3Request:
    """One request seen by the proxy."""

    label: str
    method: str
    bucket: str
    key: str
    range: str | None
    status: int
    bytes_out: int
    #: the response body's size after content decoding (what the server handed out before gzip)
    bytes_decoded: int = -1


def _decoded_size(response: http.client.HTTPResponse, payload: bytes) -> int:
    if response.getheader("Content-Encoding", "").lower() == "gzip":
        return len(gzip.decompress(payload))
    return len(payload)


class CountingS3Proxy:
    """Listens on one loopback port per label and forwards to ``upstream`` (``host:port``)."""

    def __init__(self, upstream_port: int, labels: dict[str, int]) -> None:
        self.upstream_port = upstream_port
        self._lock = threading.Lock()
        self._requests: list[S3Request] = []
        self._servers: list[ThreadingHTTPServer] = []
        for label, port in labels.items():
            server = ThreadingHTTPServer(("127.0.0.1", port), self._handler(label))
            server.daemon_threads = True
            self._servers.append(server)

    def start(self) -> None:
        for server in self._servers:
            threading.Thread(target=server.serve_forever, name="s3-proxy", daemon=True).start()

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def requests(self) -> list[S3Request]:
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, request: S3Request) -> None:
        with self._lock:
            self._requests.append(request)

    def _handler(self, label: str) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def _read_body(self) -> bytes:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    return b"".join(chunks)
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _forward(self) -> None:
                body = self._read_body()
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() in _HOP_BY_HOP or name.lower() == "content-length":
                        continue
                    upstream.putheader(name, value)
                if body or self.command in ("PUT", "POST"):
                    upstream.putheader("Content-Length", str(len(body)))
                upstream.endheaders(body or None)
                response = upstream.getresponse()
                payload = response.read()
                upstream.close()
                self.send_response_only(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() in _HOP_BY_HOP:
                        continue
                    if name.lower() == "content-length" and self.command != "HEAD":
                        continue
                    self.send_header(name, value)
                if self.command != "HEAD":
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                path = urllib.parse.urlsplit(self.path).path.lstrip("/")
                bucket, _, key = path.partition("/")
                proxy._record(
                    S3Request(
                        label=label,
                        method=self.command,
                        bucket=bucket,
                        key=urllib.parse.unquote(key),
                        range=self.headers.get("Range"),
                        status=response.status,
                        bytes_out=0 if self.command == "HEAD" else len(payload),
                        bytes_decoded=0 if self.command == "HEAD" else _decoded_size(response, payload),
                    )
                )

            do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _forward

        return Handler
