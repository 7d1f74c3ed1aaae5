"""Airflow UI plugin: resolved results on task instances, attune sources on DAGs.

Airflow only shows the small store reference an XCom row holds; these views (tabs in the UI,
framed from the ``/attune`` FastAPI app) show the value behind it, paged, with size and hash.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from attune_provider.plugins.app import create_app

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


class AttunePlugin(AirflowPlugin):
    name = "attune"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/attune", "name": "attune"}]
    external_views = [RESULT_VIEW, WORKFLOW_VIEW]
