"""Built-in core actions (reference 9.2), core.http_request against a real server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from attune_provider.actions import CORE_ACTION_REFS, ActionRegistry


@pytest.fixture(scope="module")
def core() -> ActionRegistry:
    return ActionRegistry(packs_folders=[], entry_point_group=None, pack_entry_point_group=None)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Test", "yes")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path == "/echo":
            payload = {
                "method": self.command,
                "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": raw.decode(),
            }
            self._reply(200, json.dumps(payload).encode(), "application/json")
        elif url.path == "/text":
            self._reply(201, b"plain text", "text/plain")
        elif url.path == "/missing":
            self._reply(404, b'{"error": "nope"}', "application/json")
        elif url.path == "/slow":
            time.sleep(2)
            self._reply(200, b"late", "text/plain")
        elif url.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/text")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._reply(500, b"unexpected", "text/plain")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_all_builtins_exist_with_kind_core_and_schemas(core):
    assert set(CORE_ACTION_REFS) >= {
        "core.echo",
        "core.noop",
        "core.local",
        "core.shell",
        "core.http_request",
        "core.sleep",
    }
    for ref in CORE_ACTION_REFS:
        action = core.resolve(ref)
        assert action.kind == "core" and action.ref == ref
    assert core.resolve("core.local").parameters["cmd"].required
    assert core.resolve("core.http_request").parameters["auth_token"].secret


def test_echo(core, capture):
    log, handler = capture
    result = core.resolve("core.echo").run({"message": "hello", "unrelated": 1}, log=log)
    assert result.succeeded and result.data == {"message": "hello"}
    assert result.stdout == "hello\n"
    assert "hello" in handler.lines
    assert core.resolve("core.echo").run({}).data == {"message": ""}  # tasks without input


def test_noop(core):
    result = core.resolve("core.noop").run({"anything": 1})
    assert result.succeeded and result.data is None


@pytest.mark.parametrize("ref", ["core.local", "core.shell"])
def test_local_runs_a_shell_command(core, tmp_path, ref, capture):
    log, handler = capture
    result = core.resolve(ref).run(
        {
            "cmd": 'echo "$GREETING from $(pwd)"; echo warn >&2; [[ -n "$BASH_VERSION" ]]',
            "cwd": str(tmp_path),
            "env": {"GREETING": "hi"},
        },
        log=log,
    )
    assert result.succeeded, result.error
    assert result.exit_code == 0
    assert result.stdout == f"hi from {tmp_path}\n"
    assert result.stderr == "warn\n"
    assert result.data == {"stdout": result.stdout, "stderr": "warn\n", "exit_code": 0}
    assert f"[stdout] hi from {tmp_path}" in handler.lines and "[stderr] warn" in handler.lines


def test_local_failure_and_timeout(core, tmp_path):
    failed = core.resolve("core.local").run({"cmd": "echo oops >&2; exit 4"})
    assert failed.outcome == "failed" and failed.exit_code == 4 and failed.stderr == "oops\n"
    assert failed.error == "oops\n"  # attune: the stderr text
    slow = core.resolve("core.local").run({"cmd": "sleep 30", "timeout": 0.3})
    assert slow.outcome == "timed_out"
    task_limit = core.resolve("core.local").run({"cmd": "sleep 30", "timeout": 60}, timeout=0.3)
    assert task_limit.outcome == "timed_out"  # the smaller of the two limits applies
    assert (
        "not a directory" in core.resolve("core.local").run({"cmd": "true", "cwd": str(tmp_path / "x")}).error
    )
    assert "missing required parameter 'cmd'" in core.resolve("core.local").run({}).error


def test_sleep(core):
    result = core.resolve("core.sleep").run({"seconds": 0.2})
    assert result.succeeded and result.duration_ms >= 200
    timed = core.resolve("core.sleep").run({"seconds": 30}, timeout=0.2)
    assert timed.outcome == "timed_out" and timed.duration_ms < 5000
    assert "parameter 'seconds'" in core.resolve("core.sleep").run({"seconds": -1}).error


def test_http_get_with_query_headers_and_json_body(core, server):
    result = core.resolve("core.http_request").run(
        {"url": f"{server}/echo", "params": {"q": "x y"}, "headers": {"X-Custom": "1"}}
    )
    assert result.succeeded, result.error
    data = result.data
    assert data["status_code"] == 200
    assert data["json"]["method"] == "GET"  # JSON response parsed into `json`
    assert json.loads(data["body"]) == data["json"]  # `body` stays text, as attune
    assert data["json"]["query"] == {"q": "x y"}
    assert data["json"]["headers"]["x-custom"] == "1"
    assert data["headers"]["X-Test"] == "yes"
    assert isinstance(data["elapsed_ms"], int) and data["elapsed_ms"] >= 0
    assert data["success"] is True


def test_http_post_json_and_text_body(core, server):
    posted = core.resolve("core.http_request").run(
        {"url": f"{server}/echo", "method": "POST", "json_body": {"a": [1, 2]}}
    )
    assert json.loads(posted.data["json"]["body"]) == {"a": [1, 2]}
    assert posted.data["json"]["headers"]["content-type"] == "application/json"
    text = core.resolve("core.http_request").run(
        {"url": f"{server}/echo", "method": "PUT", "body": "raw text"}
    )
    assert text.data["json"]["body"] == "raw text"


def test_http_text_response_and_expected_status(core, server):
    result = core.resolve("core.http_request").run({"url": f"{server}/text", "expected_status": [201]})
    assert result.succeeded and result.data["body"] == "plain text" and result.data["json"] is None
    wrong = core.resolve("core.http_request").run({"url": f"{server}/text", "expected_status": 200})
    assert wrong.outcome == "failed" and "HTTP 201" in wrong.error


def test_http_status_outside_expected_fails_but_keeps_data(core, server):
    result = core.resolve("core.http_request").run({"url": f"{server}/missing"})
    assert result.outcome == "failed"
    assert "HTTP 404" in result.error and "2xx" in result.error
    assert result.data["status_code"] == 404 and result.data["json"] == {"error": "nope"}
    accepted = core.resolve("core.http_request").run({"url": f"{server}/missing", "expected_status": "4xx"})
    assert accepted.succeeded


def test_http_redirect_timeout_and_connection_errors(core, server):
    followed = core.resolve("core.http_request").run({"url": f"{server}/redirect"})
    assert followed.data["status_code"] == 201 and followed.data["url"].endswith("/text")
    kept = core.resolve("core.http_request").run(
        {"url": f"{server}/redirect", "follow_redirects": False, "expected_status": 302}
    )
    assert kept.succeeded and kept.data["status_code"] == 302
    slow = core.resolve("core.http_request").run({"url": f"{server}/slow", "timeout": 0.3})
    assert slow.outcome == "timed_out"
    refused = core.resolve("core.http_request").run({"url": "http://127.0.0.1:9/"})
    assert refused.outcome == "failed" and "ConnectionError" in refused.error


def test_http_auth_secrets_are_sent_but_not_logged(core, server, capture):
    log, handler = capture
    token = "bearer-secret-123456"
    result = core.resolve("core.http_request").run(
        {"url": f"{server}/echo?token={token}", "auth_type": "bearer", "auth_token": token}, log=log
    )
    # the server saw the token; the echoed copy in the stored result is masked (issue 12 item 4b)
    assert result.data["json"]["headers"]["authorization"] == "Bearer ***"
    assert token not in json.dumps(result.to_dict())
    assert token not in handler.text
    assert any("token=***" in line for line in handler.lines)
    basic = core.resolve("core.http_request").run(
        {"url": f"{server}/echo", "auth_type": "basic", "auth_username": "u", "auth_password": "pass-word-1"}
    )
    expected = "Basic " + base64.b64encode(b"u:pass-word-1").decode()
    assert basic.data["json"]["headers"]["authorization"] == expected
    bad = core.resolve("core.http_request").run({"url": f"{server}/echo", "method": "BREW"})
    assert "parameter 'method'" in bad.error


def test_echo_keeps_non_text_messages(core):
    result = core.resolve("core.echo").run({"message": [1, {"a": 2}]})
    assert result.succeeded and result.data == {"message": [1, {"a": 2}]}
    assert result.stdout == '[1, {"a": 2}]\n'
