"""Issue 23 against a real dag.test() run of the story workflow and Airflow's real API app:
rendered input as Airflow's rendered fields, handled failures as notes and in the Attune tab,
the item list of a mapped task, the routing message, the task's YAML highlighted, the enum."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.plugins.conftest import STORY_SECRET

pytestmark = pytest.mark.airflow


def _get(client, token, url, **params):
    return client.get(url, params=params, headers={"Authorization": f"Bearer {token}"})


def _run_path(story_run) -> str:
    return f"/api/v2/dags/{story_run['dag_id']}/dagRuns/{urllib.parse.quote(story_run['run_id'], safe='')}"


def test_rendered_fields_hold_each_instances_input_with_the_secret_masked(api_client, admin_token, story_run):
    """Point 1: Airflow's rendered fields (REST API = Rendered Templates tab) per mapped instance."""
    expected = {0: ("alpha", 0.1), 2: ("broken", -1), 3: ("delta", 1.5)}
    for index, (host, seconds) in expected.items():
        ti = _get(api_client, admin_token, f"{_run_path(story_run)}/taskInstances/probe.run/{index}").json()
        rendered = ti["rendered_fields"]["attune_input"]
        assert rendered == {"seconds": seconds, "message": f"probe {host} (fast) with token ***"}, rendered
        assert STORY_SECRET not in str(ti)


def test_airflow_tasks_render_agrees_with_the_tab(story_run, attune_run, capsys):
    """Point 1: ``airflow tasks render`` printed ``None`` for every attune task; it now shows the
    stored input of an instance that ran (the tab's row) and says when one has not run yet.
    (A mapped task cannot be rendered by that command at all in Airflow 3.3: expanding it pulls
    XCom through the task supervisor, which the CLI process lacks; docs/ui.md.)"""
    from airflow.cli import cli_parser
    from airflow.cli.commands.task_command import task_render

    from attune_provider.runtime.rendered_input import NOT_RUN_YET

    parser = cli_parser.get_parser()
    dag = attune_run["story_dag"]
    ran = parser.parse_args(["tasks", "render", dag.dag_id, "recover.run", story_run["run_id"]])
    task_render(ran, dag=dag)
    printed = capsys.readouterr().out
    assert "property: attune_input" in printed
    assert "'message': 'some probes failed; recovering'" in printed, printed
    # an instance with no stored row (no such run yet) says so; one being executed is left alone
    # (the operator records its input itself). The story's required secret keeps the command
    # itself from creating a run for it, so the key is asked directly.
    from types import SimpleNamespace

    from attune_provider.runtime.rendered_input import input_outside_a_run

    key = {"dag_id": dag.dag_id, "task_id": "recover.run", "run_id": "not-run-yet", "map_index": -1}
    assert input_outside_a_run(SimpleNamespace(**key, state=None)) == NOT_RUN_YET
    assert input_outside_a_run(SimpleNamespace(**key, state="running")) is None


def test_a_handled_failure_is_noted_on_the_run_and_the_failed_instance(api_client, admin_token, story_run):
    """Point 2: Airflow's own notes say what failed and which transition answered it."""
    run = _get(api_client, admin_token, _run_path(story_run)).json()
    assert run["state"] == "success"
    note = run["note"] or ""
    assert note.startswith("attune: 1 handled failure"), note
    assert "probe failed" in note and "-> recover" in note and "seconds" in note, note
    broken = _get(api_client, admin_token, f"{_run_path(story_run)}/taskInstances/probe.run/2").json()
    assert broken["state"] == "failed" and broken["note"] == "attune: failure handled -> recover"
    fine = _get(api_client, admin_token, f"{_run_path(story_run)}/taskInstances/probe.run/0").json()
    assert fine["note"] is None


def test_the_attune_tab_shows_the_error_and_the_transition_taken(api_client, admin_token, story_run):
    query = {"dag_id": story_run["dag_id"], "run_id": story_run["run_id"], "task_id": "probe.run"}
    page = _get(api_client, admin_token, "/attune/result", **query, map_index=2, format="json").json()
    assert page["decision"]["outcome"] == "failed" and page["decision"]["selected"] == ["recover"]
    assert "seconds" in page["decision"]["error"]
    html = _get(api_client, admin_token, "/attune/result", **query, map_index=2).text
    assert "failure handled" in html and "→ recover" in html


def test_a_mapped_task_lists_its_items_paged_with_a_strip(api_client, admin_token, story_run):
    """Point 3: index, label, state, duration, result size, link; an SVG strip of all items."""
    query = {"dag_id": story_run["dag_id"], "run_id": story_run["run_id"], "task_id": "probe.run"}
    data = _get(api_client, admin_token, "/attune/result", **query, format="json").json()["items"]
    assert data["total"] == 4 and [r["map_index"] for r in data["rows"]] == [0, 1, 2, 3]
    rows = {r["map_index"]: r for r in data["rows"]}
    assert rows[2]["label"] == "2: broken" and rows[2]["state"] == "failed"
    assert rows[3]["duration"] > rows[0]["duration"]  # delta sleeps 1.5 s
    assert all(r["result_bytes"] and r["result_bytes"] > 0 for r in data["rows"])
    assert data["states"] == {"failed": 1, "success": 3}
    html = _get(api_client, admin_token, "/attune/result", **query).text
    assert html.count("<rect ") == 4 and "data-state='failed'" in html
    assert "map_index=3" in html and "2: broken" in html
    paged = _get(api_client, admin_token, "/attune/result", **query, page=2, page_size=3, format="json").json()
    assert [r["map_index"] for r in paged["items"]["rows"]] == [3] and paged["items"]["pages"] == 2


def test_a_routing_task_says_it_produces_no_result(api_client, admin_token, story_run):
    query = {"dag_id": story_run["dag_id"], "run_id": story_run["run_id"], "task_id": "probe.route"}
    html = _get(api_client, admin_token, "/attune/result", **query).text
    assert "A routing task produces no result" in html
    assert "No result was stored" not in html
    assert "→ recover" in html  # and what it decided


def test_the_workflow_tab_highlights_the_tasks_yaml(api_client, admin_token, story_run):
    """Point 4: from a task's Attune tab a link opens the YAML with that task's block marked."""
    html = _get(api_client, admin_token, "/attune/workflow", dag_id=story_run["dag_id"], task="report").text
    marked = re.findall(r"<span class='l hl' data-line='(\d+)'[^>]*>([^<]*)</span>", html)
    text = "\n".join(line for _, line in marked)
    assert "- name: report" in text and "all hosts probed" in text
    assert "name: recover" not in text and "name: probe" not in text and "with_items" not in text
    assert "id='task-recover'" in html  # every task has an anchor
    result = _get(
        api_client,
        admin_token,
        "/attune/result",
        dag_id=story_run["dag_id"],
        run_id=story_run["run_id"],
        task_id="report.run",
    ).text
    assert "workflow?dag_id=ui_story&amp;task=report#task-report" in result


def test_a_required_enum_offers_no_null_and_a_bad_value_is_refused_with_the_reason(
    api_client, admin_token, story_run
):
    """Point 5: the trigger form's schema, and the reason the API (and the form) gets."""
    details = _get(api_client, admin_token, f"/api/v2/dags/{story_run['dag_id']}/details").json()
    assert details["params"]["mode"]["schema"]["enum"] == ["fast", "thorough"]
    refused = api_client.post(
        f"/api/v2/dags/{story_run['dag_id']}/dagRuns",
        headers={"Authorization": f"Bearer {admin_token}"},
        json={"logical_date": None, "conf": {"token": "x" * 8, "mode": "sloppy"}},
    )
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert "mode" in detail and "sloppy" in detail and "fast" in detail, detail
