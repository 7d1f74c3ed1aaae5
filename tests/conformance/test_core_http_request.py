"""The built-in ``core.http_request`` returns what attune's core pack script returns.

attune's ``packs/core/actions/http_request.yaml`` declares ``body`` as "Response body as text"
and ``json`` as the parsed response; ``http_request.sh`` fills ``json`` whenever the body,
trimmed, starts with ``{``/``[`` and ends with ``}``/``]`` (it never looks at Content-Type).
Running that real script next to the built-in showed ``body`` parsed into an object here
(``{{ result().body | length }}`` counted keys, not characters) and ``json`` left null for
JSON sent as ``text/plain``; both failed before the fix.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from attune_provider.actions import ActionRegistry

PAYLOAD = b'{"items": [1, 2, 3], "name": "x"}'


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self) -> None:
        kinds = {
            "/json": (PAYLOAD, "application/json"),
            "/json-as-text": (b"  " + PAYLOAD + b"\n", "text/plain"),
            "/list": (b"[1, 2]", "application/octet-stream"),
            "/not-json": (b"{ broken", "application/json"),
            "/text": (b"hello", "text/plain"),
        }
        body, content_type = kinds[self.path]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def core() -> ActionRegistry:
    return ActionRegistry(packs_folders=[], entry_point_group=None, pack_entry_point_group=None)


@pytest.mark.parametrize(
    ("path", "body", "parsed"),
    [
        ("/json", PAYLOAD.decode(), json.loads(PAYLOAD)),
        ("/json-as-text", "  " + PAYLOAD.decode() + "\n", json.loads(PAYLOAD)),
        ("/list", "[1, 2]", [1, 2]),
        ("/not-json", "{ broken", None),
        ("/text", "hello", None),
    ],
)
def test_body_is_text_and_json_is_parsed_by_shape(core, server, path, body, parsed):
    result = core.resolve("core.http_request").run({"url": server + path})
    assert result.succeeded, result.error
    assert result.data["body"] == body
    assert result.data["json"] == parsed

