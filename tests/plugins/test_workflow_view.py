"""Attune workflow view (issue 14 item 7): label rule, params with descriptions, transitions,
and a load-error DAG's broken file with the error line highlighted; secrets stay masked."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.airflow


def _get(client, token, url, **params):
    return client.get(url, params=params, headers={"Authorization": f"Bearer {token}"})


def test_mapping_column_shows_the_label_rule_not_the_template(api_client, admin_token, attune_run):
    html = _get(api_client, admin_token, "/attune/workflow", dag_id=attune_run["dag_id"]).text
    assert "attune_item_label" not in html
    assert "the item&#x27;s name, id, key, title or label" in html
    info = _get(api_client, admin_token, "/attune/workflow", dag_id=attune_run["dag_id"], format="json").json()
    greet = next(t for t in info["attune_tasks"] if t["name"] == "greet")
    assert greet["with_items"] == "{{ parameters.hosts }}"


def test_params_are_listed_with_descriptions_and_secret_defaults_hidden(api_client, admin_token, attune_run):
    info = _get(api_client, admin_token, "/attune/workflow", dag_id=attune_run["dag_id"], format="json").json()
    params = {p["name"]: p for p in info["params"]}
    assert params["hosts"]["description"] == "Host records ({id, name})"
    assert '"name": "web-1"' in params["hosts"]["default"]
    assert params["token"]["description"] == "API token for the hosts"
    assert params["token"]["default"] == "(secret)" and "secret" in params["token"]["type"]
    html = _get(api_client, admin_token, "/attune/workflow", dag_id=attune_run["dag_id"]).text
    assert "data-testid='attune-params'" in html and "Host records" in html
    assert "sup3r-s3cret-default" not in html  # not in the params table nor in the YAML source


def test_transitions_column_shows_when_and_targets(api_client, admin_token, attune_run):
    info = _get(api_client, admin_token, "/attune/workflow", dag_id=attune_run["dag_id"], format="json").json()
    greet = next(t for t in info["attune_tasks"] if t["name"] == "greet")
    assert [(t["when"], t["do"]) for t in greet["transitions"]] == [
        ("{{ succeeded() }}", ["done"]),
        ("{{ failed() }}", ["cleanup"]),
    ]
    html = _get(api_client, admin_token, "/attune/workflow", dag_id=attune_run["dag_id"]).text
    table = html.split("data-testid='attune-transitions'")[1].split("</table>")[0]
    assert "<code>{{ succeeded() }}</code> → done" in table
    assert "<code>{{ failed() }}</code> → cleanup" in table


def test_load_error_dag_shows_the_broken_file_with_the_error_line(api_client, admin_token, attune_run):
    response = _get(api_client, admin_token, "/attune/workflow", dag_id=attune_run["error_dag_id"])
    assert response.status_code == 200
    html = response.text
    assert "no attune source found" not in html
    assert "data-testid='attune-load-error'" in html
    assert attune_run["broken_file"] in html
    assert "<span class='l bad' data-line='6'>tasks: &quot;not a list&quot;</span>" in html
    assert "data-testid='attune-error-line'>↑ line 6" in html
