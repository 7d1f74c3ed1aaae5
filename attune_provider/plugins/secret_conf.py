"""Seal ``secret: true`` fields of a triggered run's conf before Airflow stores it.

The trigger form and the REST API post ``conf`` to ``POST /api/v2/dags/{dag_id}/dagRuns``;
Airflow stores it in ``dag_run.conf`` as given and shows it in the Dag Run Conf view and the
REST API. This ASGI middleware (registered as the plugin's ``fastapi_root_middlewares``, a
public plugin interface) rewrites that request body first: each field whose Param the compiler
marked secret (``format: password``) and that holds text is replaced by
``store.sealed.seal_text`` (Fernet, Airflow's key), which still validates as a string. The
runtime unseals it (``runtime.context.workflow_parameters``). Without a Fernet key the trigger
is refused with 400 naming the setting, instead of storing the secret in clear.

For ``dag.test()`` and other direct callers, :func:`seal_secret_conf` does the same to a conf.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

_TRIGGER_PATH = re.compile(r"/api/v2/dags/(?P<dag_id>[^/]+)/dagRuns/?$")


def seal_secret_conf(conf: Mapping[str, Any], secret_names: Iterable[str]) -> dict[str, Any]:
    """``conf`` with each named field that holds non-empty text sealed (others unchanged)."""
    from attune_provider.store.sealed import is_sealed_text, seal_text

    out = dict(conf)
    for name in secret_names:
        value = out.get(name)
        if isinstance(value, str) and value and not is_sealed_text(value):
            out[name] = seal_text(value)
    return out


def _secret_names(dag_id: str) -> list[str]:
    from airflow.utils.session import create_session

    from attune_provider.plugins.masking import secret_param_names, serialized_params

    with create_session() as session:
        found = serialized_params(dag_id, session)
    return [] if found is None else secret_param_names(found[0])


def sealed_body(dag_id: str, body: bytes) -> bytes:
    """The trigger request body with the DAG's secret conf fields sealed; unchanged when it is
    not a JSON object with a ``conf`` object (Airflow then reports the problem itself)."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return body
    conf = data.get("conf") if isinstance(data, dict) else None
    if not isinstance(conf, dict):
        return body
    names = _secret_names(dag_id)
    if not any(name in conf for name in names):
        return body
    data["conf"] = seal_secret_conf(conf, names)
    return json.dumps(data).encode("utf-8")


class SecretConfMiddleware:
    """Pure ASGI middleware: seals secret conf fields of trigger requests (module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        match = _TRIGGER_PATH.search(scope.get("path", "")) if scope.get("type") == "http" else None
        if match is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # disconnected: nothing to rewrite
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        from starlette.concurrency import run_in_threadpool

        from attune_provider.store.sealed import SealError

        try:
            body = await run_in_threadpool(sealed_body, unquote(match["dag_id"]), b"".join(chunks))
        except SealError as exc:
            await _refuse(send, str(exc))
            return
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        delivered = False

        async def replay() -> Any:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, "headers": headers}, replay, send)


async def _refuse(send: Any, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
