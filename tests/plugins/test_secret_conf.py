"""Issue 22 point 2: a `secret: true` field typed in the trigger form (which posts to Airflow's
own trigger endpoint) is neither stored in `dag_run.conf` nor shown by the REST API in clear;
the plugin's middleware seals it with Airflow's Fernet key and the runtime unseals it."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.airflow

TYPED_SECRET = "typed-SECRET-6060"


def test_a_secret_typed_in_the_trigger_form_is_stored_and_shown_sealed(api_client, admin_token, attune_run):
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    dag_id = attune_run["dag_id"]
    headers = {"Authorization": f"Bearer {admin_token}"}
    created = api_client.post(
        f"/api/v2/dags/{dag_id}/dagRuns",
        headers=headers,
        json={"logical_date": None, "conf": {"token": TYPED_SECRET, "hosts": [{"id": 7, "name": "web-7"}]}},
    )
    assert created.status_code == 200, created.text
    assert TYPED_SECRET not in created.text
    run_id = created.json()["dag_run_id"]
    shown = api_client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", headers=headers)
    assert shown.status_code == 200 and TYPED_SECRET not in shown.text
    with create_session() as session:
        conf = session.scalar(select(DagRun.conf).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
    assert TYPED_SECRET not in json.dumps(conf)
    assert conf["hosts"] == [{"id": 7, "name": "web-7"}]  # other fields untouched

    from attune_provider.store.sealed import is_sealed_text, unseal_text

    assert is_sealed_text(conf["token"]) and unseal_text(conf["token"]) == TYPED_SECRET
