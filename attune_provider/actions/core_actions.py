"""Built-in ``core.*`` actions (reference 9.2): portable Python versions of attune's core pack.

Each has a flat parameter schema validated like a pack action's. Undeclared input keys are
ignored (a task without ``input`` receives the workflow's parameters).

* ``core.echo``   message -> logs and prints it; data ``{"message": ...}``
* ``core.noop``   does nothing; data None
* ``core.local`` / ``core.shell``  cmd run by ``bash -c`` (cwd, env added to the worker's,
  timeout); a real process in its own group like a pack action; exit 0 = succeeded; a ``cmd``
  holding a secret goes to bash through the environment (``ATTUNE_COMMAND``, run with
  ``eval``), never on its command line, so ``ps`` cannot show the secret;
  data ``{"stdout", "stderr", "exit_code"}`` (attune's ``stdout``/``stderr`` also at top level)
* ``core.http_request``  attune's parameter names (``query_params``, ``json_body``,
  ``auth_*``, ``verify_ssl``, ``follow_redirects``) plus ``params`` / ``json`` aliases and
  ``expected_status`` (int, list, or "2xx"-style classes; default 2xx). data: status_code,
  headers, body (parsed when the response is JSON, else text), json (parsed or None),
  elapsed_ms, url (after redirects), success. A status outside expected = failed.
* ``core.sleep``  seconds (number, default 1), optional message
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from attune_provider.actions.base import RunContext, elapsed_ms
from attune_provider.actions.callables import PythonCallableAction
from attune_provider.actions.parameter_documents import plain
from attune_provider.actions.parameters import flat_parameters
from attune_provider.actions.process import run_process
from attune_provider.actions.result import ActionResult
from attune_provider.actions.settings import default_action_timeout, with_default_timeout_note

HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _min_timeout(*values: float | None) -> float | None:
    given = [float(v) for v in values if v is not None]
    return min(given) if given else None


def echo(*, message: Any = "", _run: RunContext, **_ignored: Any) -> ActionResult:
    text = message if isinstance(message, str) else json.dumps(plain(message), default=str)
    _run.log.info("%s", _run.masker.redact(text))
    return ActionResult.success({"message": message}, exit_code=0, stdout=text + "\n")


def noop(*, _run: RunContext, **_ignored: Any) -> ActionResult:
    return ActionResult.success(None, exit_code=0)


def local(
    *,
    cmd: str,
    cwd: str | None = None,
    env: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    _run: RunContext,
    **_ignored: Any,
) -> ActionResult:
    limit = _min_timeout(timeout, _run.timeout)
    from_default = limit is None
    if from_default:
        limit = default_action_timeout()
    process_env = dict(os.environ)
    process_env.update({str(k): "" if v is None else str(v) for k, v in (env or {}).items()})
    process_env.setdefault("ATTUNE_ACTION", _run.ref)
    process_env.setdefault("ATTUNE_EXEC_ID", _run.exec_id)
    if cwd is not None and not os.path.isdir(cwd):
        return ActionResult.failure(f"action '{_run.ref}': cwd {cwd!r} is not a directory")
    outcome = run_process(
        shell_argv(cmd, process_env, _run.masker.secrets),
        cwd=cwd,
        env=process_env,
        stdin_data=None,
        timeout=limit,
        log=_run.log,
        masker=_run.masker,
    )
    data = {"stdout": outcome.stdout, "stderr": outcome.stderr, "exit_code": outcome.exit_code}
    failed = outcome.unsuccessful("command", limit, data=data)
    if failed is not None and from_default:
        failed = with_default_timeout_note(failed)
    return failed or ActionResult.success(data, **outcome.result_fields())


#: environment variable carrying a ``cmd`` that holds a secret (see :func:`shell_argv`)
COMMAND_ENV = "ATTUNE_COMMAND"


def shell_argv(cmd: str, env: dict[str, str], secrets: tuple[str, ...]) -> list[str]:
    """``bash -c cmd``; when ``cmd`` holds a secret, the command travels in ``env`` instead and
    bash runs ``eval "$ATTUNE_COMMAND"``: a process's command line is readable by every user
    (``ps``, /proc/<pid>/cmdline), its environment only by its owner."""
    bash = shutil.which("bash") or "/bin/bash"
    if not any(secret in cmd for secret in secrets):
        return [bash, "-c", cmd]
    env[COMMAND_ENV] = cmd
    return [bash, "-c", f'__attune_cmd="${COMMAND_ENV}"; unset {COMMAND_ENV}; eval "$__attune_cmd"']


def sleep(
    *, seconds: float = 1, message: str | None = None, _run: RunContext, **_ignored: Any
) -> ActionResult:
    if message:
        _run.log.info("%s", _run.masker.redact(message))
    started = time.monotonic()
    if _run.timeout is not None and seconds > _run.timeout:
        threading.Event().wait(_run.timeout)
        return ActionResult.timeout(
            f"core.sleep of {seconds}s timed out after {_run.timeout}s", duration_ms=elapsed_ms(started)
        )
    threading.Event().wait(seconds)
    return ActionResult.success({"seconds": seconds}, exit_code=0, duration_ms=elapsed_ms(started))


def _status_matches(status: int, expected: Any) -> bool:
    if expected is None:
        return 200 <= status < 300
    items = expected if isinstance(expected, list | tuple) else [expected]
    for item in items:
        text = str(item).strip().lower()
        if len(text) == 3 and text.endswith("xx") and text[0].isdigit():
            if status // 100 == int(text[0]):
                return True
        elif text.isdigit() and int(text) == status:
            return True
    return False


def http_request(
    *,
    url: str,
    method: str = "GET",
    headers: Mapping[str, Any] | None = None,
    query_params: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
    json_body: Any = None,
    json: Any = None,  # attune/requests spelling
    timeout: float = 30,
    verify_ssl: bool = True,
    follow_redirects: bool = True,
    max_redirects: int = 10,
    auth_type: str | None = None,
    auth_username: str | None = None,
    auth_password: str | None = None,
    auth_token: str | None = None,
    expected_status: Any = None,
    _run: RunContext,
    **_ignored: Any,
) -> ActionResult:
    import requests

    started = time.monotonic()
    limit = _min_timeout(timeout, _run.timeout)
    send_headers = {str(k): str(v) for k, v in (headers or {}).items()}
    auth = None
    if auth_type == "basic":
        auth = (auth_username or "", auth_password or "")
    elif auth_type == "bearer" and auth_token:
        send_headers["Authorization"] = f"Bearer {auth_token}"
    payload = plain(json_body if json_body is not None else json)
    data = body
    if data is not None and not isinstance(data, str | bytes):
        data = _json_dumps(plain(data))  # a structured `body` is sent as JSON text
        send_headers.setdefault("Content-Type", "application/json")
    _run.log.info("attune: %s %s", method.upper(), _run.masker.redact(url))
    with requests.Session() as session:
        session.max_redirects = max_redirects
        try:
            response = session.request(
                method.upper(),
                url,
                headers=send_headers,
                params={**(query_params or {}), **(params or {})} or None,
                data=data,
                json=payload if data is None else None,
                auth=auth,
                timeout=limit,
                verify=verify_ssl,
                allow_redirects=follow_redirects,
            )
        except requests.Timeout as exc:
            return ActionResult.timeout(
                _run.masker.redact(f"HTTP {method.upper()} {url} timed out after {limit}s: {exc}"),
                duration_ms=elapsed_ms(started),
            )
        except requests.RequestException as exc:
            return ActionResult.failure(
                _run.masker.redact(f"HTTP {method.upper()} {url} failed: {type(exc).__name__}: {exc}"),
                duration_ms=elapsed_ms(started),
            )
    ok = _status_matches(response.status_code, expected_status)
    result_data = {
        "status_code": response.status_code,
        "headers": dict(response.headers),
        "body": response.text,  # always text, as attune's http_request.sh
        "json": _json_by_shape(response.text),
        "elapsed_ms": int(response.elapsed.total_seconds() * 1000),
        "url": response.url,
        "success": ok,
    }
    _run.log.info("attune: HTTP %s from %s", response.status_code, _run.masker.redact(response.url))
    duration = elapsed_ms(started)
    stdout = _run.masker.redact(response.text[: 1024 * 1024])
    if not ok:
        wanted = expected_status if expected_status is not None else "2xx"
        return ActionResult(
            succeeded=False,
            error=f"HTTP {response.status_code} from {_run.masker.redact(response.url)} is not an expected status ({wanted})",
            data=result_data,
            duration_ms=duration,
            stdout=stdout,
        )
    return ActionResult(succeeded=True, data=result_data, duration_ms=duration, stdout=stdout)


def _json_by_shape(text: str) -> Any:
    """attune's http_request.sh: a body that looks like a JSON object or array is parsed,
    whatever its Content-Type; anything else (or invalid JSON) gives None."""
    stripped = text.strip()
    if not (stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]")):
        return None
    import json as _json

    try:
        return _json.loads(stripped)
    except ValueError:
        return None


def _json_dumps(value: Any) -> str:
    import json as _json

    return _json.dumps(value, default=str)


CORE_SCHEMAS: dict[str, tuple[Callable[..., ActionResult], dict[str, dict[str, Any]], str]] = {
    "core.echo": (
        echo,
        # any type: a one-expression template keeps its native type (a number, a list, ...)
        {"message": {"default": "", "description": "Message to output (non-text is written as JSON)"}},
        "Log and print a message",
    ),
    "core.noop": (noop, {}, "Do nothing"),
    "core.sleep": (
        sleep,
        {
            "seconds": {"type": "number", "default": 1, "minimum": 0, "description": "Seconds to sleep"},
            "message": {"type": "string", "description": "Logged before sleeping"},
        },
        "Pause for a number of seconds",
    ),
    "core.http_request": (
        http_request,
        {
            "url": {"type": "string", "required": True},
            "method": {"type": "string", "default": "GET", "enum": HTTP_METHODS},
            "headers": {"type": "object", "default": {}},
            "query_params": {"type": "object", "default": {}},
            "params": {"type": "object", "description": "alias of query_params"},
            "body": {"description": "request body (text; a structured value is sent as JSON)"},
            "json_body": {"description": "JSON request body"},
            "json": {"description": "alias of json_body"},
            "timeout": {"type": "number", "default": 30, "exclusiveMinimum": 0},
            "verify_ssl": {"type": "boolean", "default": True},
            "follow_redirects": {"type": "boolean", "default": True},
            "max_redirects": {"type": "integer", "default": 10, "minimum": 0},
            "auth_type": {"type": "string", "enum": ["none", "basic", "bearer"]},
            "auth_username": {"type": "string"},
            "auth_password": {"type": "string", "secret": True},
            "auth_token": {"type": "string", "secret": True},
            "expected_status": {
                "type": ["integer", "string", "array"],
                "description": "expected status codes: 200, [200, 201], '2xx' (default 2xx)",
            },
        },
        "Make an HTTP request",
    ),
}
_SHELL_SCHEMA: dict[str, dict[str, Any]] = {
    "cmd": {"type": "string", "required": True, "description": "Command run by bash -c"},
    "cwd": {"type": "string", "description": "Working directory"},
    "env": {"type": "object", "default": {}, "description": "Extra environment variables"},
    "timeout": {
        "type": "number",
        "exclusiveMinimum": 0,
        "description": "Seconds before the process group is killed",
    },
}
CORE_SCHEMAS["core.local"] = (local, _SHELL_SCHEMA, "Run a shell command")
CORE_SCHEMAS["core.shell"] = (local, _SHELL_SCHEMA, "Run a shell command (alias of core.local)")


def core_action(ref: str) -> PythonCallableAction | None:
    """The built-in action for ``ref``, or None."""
    entry = CORE_SCHEMAS.get(ref)
    if entry is None:
        return None
    func, schema, description = entry
    return PythonCallableAction(
        ref,
        func,
        parameters=flat_parameters(schema),
        kind="core",
        description=description,
        pass_run=True,
        handles_timeout=True,
    )


CORE_ACTION_REFS: tuple[str, ...] = tuple(sorted(CORE_SCHEMAS))
