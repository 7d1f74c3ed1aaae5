"""FastAPI app mounted by the Airflow api-server under ``/attune``.

Routes take their identifiers from the query string (run ids contain ``+``, ``:`` and may
contain ``/``), which is also where Airflow's ``requires_access_dag`` looks for ``dag_id``.
Every route requires the same permission as the corresponding Airflow page: reading a result
is reading XCom of that DAG, the workflow page is reading the DAG's code; anonymous requests
get 401 unless the auth manager itself allows them.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse

from attune_provider.plugins import data, views, workflow_data, workflow_view


def _read_xcom():
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag

    return requires_access_dag("GET", DagAccessEntity.XCOM)


def _read_code():
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag

    return requires_access_dag("GET", DagAccessEntity.CODE)


def _map_index(raw: str | None) -> int:
    """The UI substitutes ``{MAP_INDEX}`` only on mapped instances; anything else means -1."""
    try:
        return int(raw) if raw not in (None, "") else -1
    except ValueError:
        return -1


def create_app() -> FastAPI:
    app = FastAPI(
        title="attune",
        description="attune workflow views for the Airflow UI: resolved task results and workflow sources.",
    )

    @app.get("/result", dependencies=[Depends(_read_xcom())], response_model=None)
    def result(
        dag_id: str,
        run_id: str,
        task_id: str,
        map_index: Annotated[str | None, Query()] = None,
        path: Annotated[list[str] | None, Query()] = None,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=1000)] = 50,
        format: Annotated[str, Query(pattern="^(html|json)$")] = "html",
    ) -> HTMLResponse | JSONResponse:
        """A task instance's result resolved from the store, one page at a time."""
        page_data = data.task_result(
            dag_id, run_id, task_id, _map_index(map_index), path=path or [], page=page, page_size=page_size
        )
        if format == "json":
            return JSONResponse(dataclasses.asdict(page_data))
        status = 200 if page_data.error is None else 502
        return HTMLResponse(views.result_html(page_data), status_code=status)

    @app.get("/result/download", dependencies=[Depends(_read_xcom())], response_model=None)
    def result_download(
        dag_id: str,
        run_id: str,
        task_id: str,
        map_index: Annotated[str | None, Query()] = None,
        path: Annotated[list[str] | None, Query()] = None,
    ) -> StreamingResponse | JSONResponse:
        """The whole result (or the part at ``path``) as one JSON file, streamed item by item."""
        index = _map_index(map_index)
        try:
            chunks = data.download(dag_id, run_id, task_id, index, path or [])
        except LookupError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        except Exception as exc:  # missing/corrupt object, bad path: located, not a 500
            return JSONResponse({"detail": f"{type(exc).__name__}: {exc}"}, status_code=502)
        name = "__".join([dag_id, task_id, *([str(index)] if index >= 0 else []), *(path or [])])
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:180] + ".json"
        return StreamingResponse(
            chunks,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{safe}"'},
        )

    @app.get("/workflow", dependencies=[Depends(_read_code())], response_model=None)
    def workflow(
        dag_id: str,
        task: Annotated[str | None, Query()] = None,
        format: Annotated[str, Query(pattern="^(html|json)$")] = "html",
    ) -> HTMLResponse | JSONResponse:
        """The attune source files of a DAG and its compiled task table (``task`` highlighted)."""
        info = workflow_data.workflow_info(dag_id, task=task or None)
        if format == "json":
            return JSONResponse(dataclasses.asdict(info), status_code=200 if info.found else 404)
        return HTMLResponse(workflow_view.workflow_html(info), status_code=200 if info.found else 404)

    return app
