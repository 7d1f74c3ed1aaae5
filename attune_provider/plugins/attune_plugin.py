"""Airflow UI plugin: resolved results on task instances, attune sources on DAGs.

Airflow only shows the small store reference an XCom row holds; these views (tabs in the UI,
framed from the ``/attune`` FastAPI app) show the value behind it, paged, with size and hash.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from attune_provider.plugins import run_notes

RESULT_VIEW = {
    "name": "Attune result",
    "href": "attune/result?dag_id={DAG_ID}&run_id={RUN_ID}&task_id={TASK_ID}&map_index={MAP_INDEX}",
    "destination": "task_instance",
    "url_route": "attune-result",
}

WORKFLOW_VIEW = {
    "name": "Attune workflow",
    "href": "attune/workflow?dag_id={DAG_ID}",
    "destination": "dag",
    "url_route": "attune-workflow",
}


class LazyAttuneApp:
    """ASGI app that builds the FastAPI views on first request.

    Airflow imports every plugin module in every task process (to integrate macros); building
    the FastAPI app there pulled in ``airflow.api_fastapi`` and cost ~1.5 s per task instance.
    Only the api-server ever calls this object, so only it pays for the import.
    """

    def __init__(self) -> None:
        self._app: Any = None

    @property
    def app(self) -> Any:
        if self._app is None:
            from attune_provider.plugins.app import create_app

            self._app = create_app()
        return self._app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class LazySecretConfMiddleware:
    """``plugins.secret_conf.SecretConfMiddleware``, imported on the api-server's first request
    (task processes import this module too and must not pay for it)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._middleware: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._middleware is None:
            from attune_provider.plugins.secret_conf import SecretConfMiddleware

            self._middleware = SecretConfMiddleware(self._app)
        await self._middleware(scope, receive, send)


class AttunePlugin(AirflowPlugin):
    name = "attune"
    fastapi_apps = [{"app": LazyAttuneApp(), "url_prefix": "/attune", "name": "attune"}]
    # seals secret: true fields of a triggered run's conf before Airflow stores it
    fastapi_root_middlewares = [{"middleware": LazySecretConfMiddleware, "name": "attune-secret-conf"}]
    external_views = [RESULT_VIEW, WORKFLOW_VIEW]
    # handled failures become the run's and the failed instances' notes (plugins/run_notes.py)
    listeners = [run_notes]
