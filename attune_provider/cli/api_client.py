"""Airflow's public REST API (``/api/v2``), as far as ``attune-airflow`` uses it.

Standard library HTTP only: the CLI stays a thin client. The token comes from the simple auth
manager's ``GET /auth/token`` (all users admins: the run's own api-server on loopback), or from
``AIRFLOW_API_TOKEN`` when talking to a deployment's api-server.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from attune_provider.cli.errors import CliError


class ApiError(CliError):
    """A REST call that failed: method, path, status and Airflow's own detail."""

    def __init__(self, method: str, path: str, status: int, detail: str) -> None:
        super().__init__(f"Airflow API {method} {path}: HTTP {status}: {detail}", exit_code=1)
        self.status = status


class AirflowApi:
    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.token = token or os.environ.get("AIRFLOW_API_TOKEN")
        self.timeout = timeout

    def wait_ready(self, deadline_s: float, alive: Any = None) -> None:
        """Until ``/api/v2/monitor/health`` answers (``alive()`` returning a text stops early)."""
        deadline = time.monotonic() + deadline_s
        last = ""
        while time.monotonic() < deadline:
            problem = alive() if alive is not None else None
            if problem:
                raise CliError(f"Airflow's api-server at {self.url} did not start: {problem}", exit_code=1)
            try:
                self.call("GET", "/api/v2/monitor/health", auth=False)
                return
            except (OSError, ApiError) as exc:
                last = str(exc)
            time.sleep(0.2)
        raise CliError(f"Airflow's api-server at {self.url} did not answer within {deadline_s:.0f} s: {last}")

    def login(self) -> None:
        """A token from the simple auth manager (every user an admin: the run's own api-server)."""
        if self.token is None:
            self.token = self.call("GET", "/auth/token", auth=False)["access_token"]

    def call(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise ApiError(method, path, exc.code, detail[:2000]) from None
        return json.loads(text) if text else None

    # -- the calls the CLI makes -------------------------------------------------------------
    def dag(self, dag_id: str) -> dict[str, Any] | None:
        try:
            return self.call("GET", f"/api/v2/dags/{_q(dag_id)}")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.call("PATCH", f"/api/v2/dags/{_q(dag_id)}?update_mask=is_paused", {"is_paused": paused})

    def trigger(self, dag_id: str, run_id: str, conf: dict[str, Any]) -> dict[str, Any]:
        body = {"dag_run_id": run_id, "logical_date": None, "conf": conf}
        return self.call("POST", f"/api/v2/dags/{_q(dag_id)}/dagRuns", body)

    def fail_run(self, dag_id: str, run_id: str, note: str) -> None:
        path = f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}"
        self.call("PATCH", path + "?update_mask=state", {"state": "failed"})
        self.call("PATCH", path + "?update_mask=note", {"note": note})

    def answer_inquiry(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        map_index: int,
        chosen: list[str],
        params: dict[str, Any],
    ) -> dict[str, Any]:
        path = f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances/{_q(task_id)}/{map_index}/hitlDetails"
        return self.call("PATCH", path, {"chosen_options": chosen, "params_input": params})


def _q(text: str) -> str:
    return urllib.parse.quote(text, safe="")
