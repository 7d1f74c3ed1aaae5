"""Airflow's Task Execution API for a parallel ``attune-airflow run``, served by a child process.

Executor workers report to the API at ``[core] execution_api_server_url``. The CLI serves it
itself (Airflow's own app, ``create_app(apps="execution")``) so no ``airflow api-server`` has to
run. It is a forked child process (:mod:`attune_provider.cli.forked`), not a thread, for
measured reasons: the app builds its versioned routes (Cadwyn) on the first request, ~4-5 s of
CPU that the first task instance used to wait for; in a child that work runs on the other core
while the CLI creates the database and compiles the DAG (a warm-up request is sent as soon as
the server listens), and request handling no longer competes with the dag.test() loop for one
process's GIL.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from attune_provider.cli.errors import CliError
from attune_provider.cli.forked import ForkedChild

#: how long the CLI waits for the child API to answer its first request (imports + route build)
READY_TIMEOUT_S = 180.0


def serves_locally(url: str) -> bool:
    """Whether the configured URL is a loopback address this CLI must serve itself."""
    return urlsplit(url).hostname in ("127.0.0.1", "localhost")


class ExecutionApiProcess:
    """The child process serving the execution API at ``url`` (a loopback URL with a port)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.port is None:
            raise CliError(
                f"[core] execution_api_server_url {url!r} names no port for the CLI's execution API"
            )
        self.url = url if url.endswith("/") else url + "/"
        self.port = parts.port
        self._child = ForkedChild("execution API", lambda: serve(self.port))
        self._ready = threading.Event()
        self._answering = False
        self._error = ""

    def start(self) -> ExecutionApiProcess:
        """Fork the server (its output goes to fd 1, the CLI's masked log) and warm it up."""
        import uvicorn  # noqa: F401  (imported before the fork: the child inherits the modules)
        from airflow.api_fastapi.app import create_app  # noqa: F401

        self._child.start()
        threading.Thread(target=self._warm_up, name="attune-execution-api-warm-up", daemon=True).start()
        return self

    def _warm_up(self) -> None:
        """Ask until the API answers: the first answer comes after the routes are built."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._child.exited():
                self._error = (
                    f"the execution API process {self._child.pid} exited with code {self._child.exit_code}"
                )
                break
            try:
                with urllib.request.urlopen(self.url + "health", timeout=READY_TIMEOUT_S) as response:
                    if response.status == 200:
                        self._answering = True
                        self._ready.set()
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                self._error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.1)
        else:
            self._error = f"no answer within {READY_TIMEOUT_S:.0f} s ({self._error})"
        self._ready.set()

    def wait_ready(self) -> None:
        """Block until the API answers; a loud error naming the URL if it never does."""
        self._ready.wait()
        if not self._answering:
            raise CliError(f"the Task Execution API at {self.url} did not start: {self._error}", exit_code=1)

    def exited(self) -> bool:
        return self._child.exited()

    def stop(self) -> None:
        self._child.stop()


#: threads running the API's (synchronous, database-bound) request handlers: one, because every
#: handler writes the one SQLite file, and concurrent writers only wait on each other in SQLite's
#: busy handler (measured: 0.1-0.7 s per call with anyio's default 40 threads and 8 workers)
HANDLER_THREADS = 1


def serve(port: int) -> None:
    """Serve the execution API on 127.0.0.1:``port`` until terminated (runs in the forked child)."""
    import asyncio

    import anyio.to_thread
    import uvicorn
    from airflow.api_fastapi.app import create_app

    config = uvicorn.Config(
        create_app(apps="execution"), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )

    async def run() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = HANDLER_THREADS
        await uvicorn.Server(config).serve()

    asyncio.run(run())
