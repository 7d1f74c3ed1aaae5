"""Attune result view readability (issue 14 item 6) and masking (issue 12 item 4), against a
real stored run through Airflow's own app and auth manager."""

from __future__ import annotations

import json

import pytest

from tests.plugins.conftest import TRIGGERED_SECRET

pytestmark = pytest.mark.airflow


def _get(client, token, url, **params):
    return client.get(url, params=params, headers={"Authorization": f"Bearer {token}"})


def test_title_names_the_instance_by_its_item_label(api_client, admin_token, probe_run, attune_run):
    html = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="greet", map_index="1").text
    assert "<h1 data-testid='attune-title'>greet [beta]</h1>" in html
    run = {"dag_id": attune_run["dag_id"], "run_id": attune_run["run_id"]}
    html = _get(api_client, admin_token, "/attune/result", **run, task_id="greet.run", map_index="1").text
    assert "<h1 data-testid='attune-title'>greet.run [web-2]</h1>" in html  # label "1: web-2"
    assert "1: web-2" in html  # the full grid label is in the metadata
    plain = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="produce").text
    assert "<h1 data-testid='attune-title'>produce</h1>" in plain


def test_stdout_that_repeats_data_is_collapsed(api_client, admin_token, probe_run):
    html = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="action_like").text
    collapsed = html.split("data-testid='attune-collapsed'")
    assert len(collapsed) == 2, "exactly one row (stdout) is collapsed"
    assert "same as <code>data</code>" in collapsed[1]
    stdout_row = html.split("<td class='key'>stdout</td>")[1].split("</tr>")[0]
    assert "attune-collapsed" in stdout_row
    data_row = html.split(">data</a></td>")[1].split("</tr>")[0]
    assert "attune-collapsed" not in data_row and "srv-0003" in data_row


def test_values_are_pretty_json_and_never_broken_inside_a_token(api_client, admin_token, probe_run):
    html = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="produce", path="7").text
    assert "break-all" not in html and "overflow-wrap:normal" in html
    nested = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="action_like").text
    assert "&quot;status&quot;: 200,\n" in nested  # indented JSON, one key per line
    # a multi-line string (stdout) is shown as its lines, not as one JSON-escaped line
    stdout_row = nested.split("<td class='key'>stdout</td>")[1].split("</tr>")[0]
    assert "<pre>{&quot;status&quot;: 200," in stdout_row and "\\n" not in stdout_row


def test_download_returns_the_full_value_as_json(api_client, admin_token, probe_run):
    response = _get(api_client, admin_token, "/attune/result/download", **probe_run, task_id="produce")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert ".json" in response.headers["content-disposition"]
    value = json.loads(response.text)
    assert len(value) == 120 and value[119] == {"name": "server-119", "port": 8119}
    big = json.loads(_get(api_client, admin_token, "/attune/result/download", **probe_run, task_id="markup").text)
    assert big["big"] == "y" * 10000  # the page truncates, the download does not
    part = _get(api_client, admin_token, "/attune/result/download", **probe_run, task_id="produce", path="3")
    assert json.loads(part.text) == {"name": "server-003", "port": 8003}
    html = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="produce").text
    assert "data-testid='attune-download' download href='result/download?" in html
    missing = _get(api_client, admin_token, "/attune/result/download", **probe_run, task_id="nope")
    assert missing.status_code == 404
    anonymous = api_client.get("/attune/result/download", params={**probe_run, "task_id": "produce"})
    assert anonymous.status_code == 401


def test_secrets_are_masked_in_the_result_view_and_download(api_client, admin_token, probe_run, attune_run):
    html = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="action_like").text
    assert "pw-12345" not in html and "***" in html  # a sensitive key name (Airflow's rule)
    run = {"dag_id": attune_run["dag_id"], "run_id": attune_run["run_id"]}
    for index in ("0", "1"):
        shown = _get(api_client, admin_token, "/attune/result", **run, task_id="greet.run", map_index=index)
        assert shown.status_code == 200
        assert "hello web-" in shown.text
        assert TRIGGERED_SECRET not in shown.text, "a secret parameter's value is shown in clear"
        down = _get(api_client, admin_token, "/attune/result/download", **run, task_id="greet.run", map_index=index)
        assert "hello web-" in down.text and TRIGGERED_SECRET not in down.text
        as_json = _get(api_client, admin_token, "/attune/result", **run, task_id="greet.run", map_index=index, format="json")
        assert TRIGGERED_SECRET not in as_json.text


def test_an_edited_preview_is_flagged_in_the_view(api_client, admin_token, probe_run):
    """Edit the XCom row through Airflow's own API, as the XCom tab's Edit button does."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    base = f"/api/v2/dags/{probe_run['dag_id']}/dagRuns/{probe_run['run_id']}/taskInstances/names/xcomEntries/return_value"
    row = api_client.get(base, headers=headers).json()["value"]
    reference = json.loads(row) if isinstance(row, str) else row
    assert reference["preview"]["value"] == ["alpha", "beta", "gamma"]
    reference["preview"]["value"] = ["alpha", "beta", "delta"]
    edited = api_client.patch(base, headers=headers, json={"value": reference, "map_index": -1})
    assert edited.status_code == 200, edited.text
    html = _get(api_client, admin_token, "/attune/result", **probe_run, task_id="names").text
    assert "data-testid='attune-warning'" in html and "edited" in html
    assert "gamma" in html  # the stored value is still what the view shows, with the warning
