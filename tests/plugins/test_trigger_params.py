"""Issue 14 item 4 through Airflow's own trigger endpoint (what the trigger form posts): object
arrays are validated against their attune item schema and arrive as lists of dicts."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.airflow


def _trigger(client, token, dag_id, conf):
    return client.post(
        f"/api/v2/dags/{dag_id}/dagRuns",
        headers={"Authorization": f"Bearer {token}"},
        json={"logical_date": None, "conf": conf},
    )


def test_records_are_validated_and_arrive_as_dicts(api_client, admin_token, attune_run):
    dag_id = attune_run["dag_id"]
    good = _trigger(api_client, admin_token, dag_id, {"records": [{"id": 1, "name": "web-1"}]})
    assert good.status_code == 200, good.text
    assert good.json()["conf"]["records"] == [{"id": 1, "name": "web-1"}]
    for bad in ([{"name": "web-1"}], ["web-1"], [{"id": "one"}]):
        refused = _trigger(api_client, admin_token, dag_id, {"records": bad})
        assert refused.status_code == 400, (bad, refused.status_code, refused.text[:300])
        assert "records" in refused.text or "id" in refused.text


def test_the_serialized_form_schema_offers_the_json_editor(api_client, admin_token, attune_run):
    details = api_client.get(
        f"/api/v2/dags/{attune_run['dag_id']}/details",
        headers={"Authorization": f"Bearer {admin_token}"},
    ).json()
    params = details["params"]
    hosts = params["hosts"]["schema"]
    assert hosts["items"]["type"] != "string"  # the form's JSON editor, not one string per line
    assert params["records"]["schema"]["items"]["required"] == ["id"]
    token = params["token"]
    assert token["value"] is None and token["schema"]["format"] == "password"
    assert "sup3r-s3cret-default" not in str(details)
