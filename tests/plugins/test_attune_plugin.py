"""The UI plugin against a real stored run, through Airflow's own app and auth manager."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.airflow


def _get(client, token, url, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, params=params, headers=headers)


def test_plugin_registers_views_and_app(api_client, admin_token):
    response = _get(api_client, admin_token, "/api/v2/plugins")
    assert response.status_code == 200
    plugins = {p["name"]: p for p in response.json()["plugins"]}
    attune = plugins["attune"]
    destinations = {view["destination"]: view for view in attune["external_views"]}
    assert destinations["task_instance"]["href"].startswith("attune/result?")
    assert destinations["dag"]["href"] == "attune/workflow?dag_id={DAG_ID}"
    assert all(view["url_route"] for view in attune["external_views"])
    assert [app["url_prefix"] for app in attune["fastapi_apps"]] == ["/attune"]


def test_unauthenticated_requests_are_rejected(api_client, probe_run):
    for path, params in (
        ("/attune/result", {**probe_run, "task_id": "produce"}),
        ("/attune/workflow", {"dag_id": probe_run["dag_id"]}),
    ):
        response = _get(api_client, None, path, **params)
        assert response.status_code == 401, (path, response.status_code, response.text[:200])
        assert "server-000" not in response.text
    bad = api_client.get(
        "/attune/result",
        params={**probe_run, "task_id": "produce"},
        headers={"Authorization": "Bearer not-a-jwt"},
    )
    assert bad.status_code in (401, 403)


def test_result_is_resolved_paged_with_size_and_hash(api_client, admin_token, probe_run):
    response = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="produce", format="json")
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["is_reference"] is True
    assert len(page["key"]) == 64
    assert page["object_bytes"] > 1000
    assert page["kind"] == "list" and page["length"] == 120
    assert page["pages"] == 3 and len(page["rows"]) == 50
    assert page["rows"][0]["key"] == 0 and '"server-000"' in page["rows"][0]["text"]

    last = _get(
        api_client, admin_token, "/attune/result", **probe_run, task_id="produce", page=3, format="json"
    )
    rows = last.json()["rows"]
    assert [row["key"] for row in rows] == list(range(100, 120))
    assert '"server-119"' in rows[-1]["text"]

    html = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="produce", page=2).text
    assert "server-050" in html and "server-000" not in html
    assert page["key"] in html
    assert "page=3" in html and "page=1" not in html.split("previous")[-1]


def test_nested_path_and_mapped_instance(api_client, admin_token, probe_run):
    nested = _get(
        api_client, admin_token, "/attune/result", **probe_run, task_id="produce", path="7", format="json"
    ).json()
    assert nested["path"] == ["7"]
    assert nested["kind"] == "mapping"
    assert {row["key"]: row["text"] for row in nested["rows"]} == {"name": '"server-007"', "port": "8007"}

    mapped = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="greet", map_index="1")
    assert mapped.status_code == 200
    assert "hello beta" in mapped.text

    # the UI leaves {MAP_INDEX} unsubstituted on an unmapped task: treated as -1
    listing = _get(
        api_client, admin_token, "/attune/result", **probe_run, task_id="greet", map_index="{MAP_INDEX}"
    )
    assert "items (3: 3 success)" in listing.text  # the item list (issue 23)
    scalar = _get(
        api_client, admin_token, "/attune/result", **probe_run, task_id="scalar", format="json"
    ).json()
    assert scalar["scalar"] == "42"


def test_missing_task_result_is_explained(api_client, admin_token, probe_run):
    response = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="no_such_task")
    assert response.status_code == 200
    assert "No result was stored" in response.text


def test_workflow_view_of_a_plain_dag_lists_tasks(api_client, admin_token, probe_run):
    info = _get(api_client, admin_token, "/attune/workflow", dag_id=probe_run["dag_id"], format="json").json()
    task_ids = {task["task_id"]: task for task in info["tasks"]}
    assert set(task_ids) == {"produce", "names", "greet", "scalar", "markup", "action_like"}
    assert task_ids["greet"]["mapped"] is True
    assert task_ids["greet"]["upstream"] == ["names"]
    assert info["sources"] == [] and "no attune source" in info["source_note"]
    missing = _get(api_client, admin_token, "/attune/workflow", dag_id="nope", format="json")
    assert missing.status_code == 404


def test_values_are_escaped_and_long_cells_truncated(api_client, admin_token, probe_run):
    html = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="markup").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "(truncated" in html and "y" * 5000 not in html
