"""Issue 23 in the browser, on a run made by a real scheduler (``scheduler_run``): Rendered
Templates per mapped instance, a handled failure in the run's note and the Attune tab, the item
list with its strip, the task's YAML highlighted, the routing message and the enum drop-down.

Screenshots: test-artifacts/browser/2x-*.png (docs/images/ with ATTUNE_UPDATE_DOC_IMAGES=1).
"""

from __future__ import annotations

import time
import urllib.parse

import pytest

from tests.browser.conftest import STORY_SECRET, api_call, api_token
from tests.browser.test_ui import (
    _dialog_trigger_button,
    _enter_frame,
    _open_trigger_form,
    _paste_json,
    _shot,
    _wait_for_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.airflow]


def _run_url(api_server, run) -> str:
    return f"{api_server}/dags/{run.dag_id}/runs/{urllib.parse.quote(run.run_id, safe='')}"


def test_the_scheduler_run_handled_its_failure(scheduler_run):
    assert scheduler_run.state == "success"


def test_rendered_templates_show_each_instances_input_masked(logged_in, api_server, scheduler_run):
    """Point 1: Airflow's Rendered Templates tab, and the REST API agreeing with it."""
    logged_in.get(f"{_run_url(api_server, scheduler_run)}/tasks/probe.run/mapped/3/rendered_templates")
    body = _wait_for_text(logged_in, "probe delta (fast) with token ***")
    assert "attune_input" in body and STORY_SECRET not in body
    _shot(logged_in, "21-rendered-templates", doc="ui-rendered-templates")
    token = api_token(api_server)
    path = f"/api/v2/dags/{scheduler_run.dag_id}/dagRuns/{urllib.parse.quote(scheduler_run.run_id, safe='')}"
    ti = api_call(api_server, token, f"{path}/taskInstances/probe.run/3")
    assert ti["rendered_fields"]["attune_input"] == {"seconds": 1.5, "message": "probe delta (fast) with token ***"}


def test_a_handled_failure_shows_in_the_run_and_in_the_attune_tab(logged_in, api_server, scheduler_run):
    """Point 2: the run's note (grid/graph header) and the instance's Attune tab."""
    from selenium.webdriver.common.by import By

    logged_in.get(_run_url(api_server, scheduler_run))
    body = _wait_for_text(logged_in, "attune: 1 handled failure")
    assert "recover" in body, body[-1500:]
    _shot(logged_in, "22-run-note", doc="ui-run-note")

    logged_in.get(f"{_run_url(api_server, scheduler_run)}/tasks/probe.run/mapped/2/plugin/attune-result")
    _enter_frame(logged_in, "Attune result")
    try:
        body = _wait_for_text(logged_in, "failure handled")
        decision = logged_in.find_element(By.CSS_SELECTOR, "[data-testid='attune-decision']").text
        assert "→ recover" in decision and "seconds" in decision, decision
        assert "probe.run [broken]" in body.splitlines()[0]
    finally:
        logged_in.switch_to.default_content()
    _shot(logged_in, "23-handled-failure", doc="ui-handled-failure")


def test_the_item_list_pages_items_and_draws_their_strip(logged_in, api_server, scheduler_run):
    """Point 3 (and 4): from an item, "all items" lists them; "workflow YAML" shows the task."""
    from selenium.webdriver.common.by import By

    logged_in.get(f"{_run_url(api_server, scheduler_run)}/tasks/probe.run/mapped/0/plugin/attune-result")
    _enter_frame(logged_in, "Attune result")
    try:
        _wait_for_text(logged_in, "all items of this task")
        logged_in.find_element(By.CSS_SELECTOR, "[data-testid='attune-all-items']").click()
        body = _wait_for_text(logged_in, "items (4:")
        rows = logged_in.find_elements(By.CSS_SELECTOR, "[data-testid='attune-items'] tbody tr")
        assert [r.get_attribute("data-state") for r in rows] == ["success", "success", "failed", "success"]
        assert "2: broken" in body and "3: delta" in body
        bars = logged_in.find_elements(By.CSS_SELECTOR, "[data-testid='attune-items-strip'] rect")
        heights = [float(b.get_attribute("height")) for b in bars]
        # bar height is the instance's duration as Airflow recorded it: the longest is full height
        path = f"/api/v2/dags/{scheduler_run.dag_id}/dagRuns/{urllib.parse.quote(scheduler_run.run_id, safe='')}"
        tis = api_call(api_server, api_token(api_server), f"{path}/taskInstances?task_id=probe.run")
        durations = {ti["map_index"]: ti["duration"] for ti in tis["task_instances"]}
        longest = max(durations, key=lambda i: durations[i])
        assert len(bars) == 4 and heights[longest] == max(heights) == 48.0, (heights, durations)
        for index, height in enumerate(heights):
            assert abs(height - 48.0 * durations[index] / durations[longest]) < 0.5, (heights, durations)
        assert bars[2].get_attribute("data-state") == "failed"
        _shot(logged_in, "24-item-list", doc="ui-item-list")
        logged_in.find_element(By.CSS_SELECTOR, "[data-testid='attune-source-link']").click()
        _wait_for_text(logged_in, "attune source")
        marked = logged_in.find_elements(By.CSS_SELECTOR, "pre.src span.hl")
        assert marked and marked[0].text.strip() == "- name: probe"
        assert all("name: report" not in m.text for m in marked)
        top = logged_in.execute_script("return arguments[0].getBoundingClientRect().top", marked[0])
        assert 0 <= top < logged_in.execute_script("return window.innerHeight")  # scrolled to it
        _shot(logged_in, "25-task-yaml", doc="ui-task-yaml")
    finally:
        logged_in.switch_to.default_content()


def test_a_routing_task_explains_why_it_has_no_result(logged_in, api_server, scheduler_run):
    logged_in.get(f"{_run_url(api_server, scheduler_run)}/tasks/probe.route/plugin/attune-result")
    _enter_frame(logged_in, "Attune result")
    try:
        body = _wait_for_text(logged_in, "A routing task produces no result")
        assert "No result was stored" not in body and "→ recover" in body
    finally:
        logged_in.switch_to.default_content()


def test_the_required_enum_drop_down_offers_no_null(logged_in, api_server, scheduler_run):
    from selenium.webdriver.common.by import By

    _open_trigger_form(logged_in, api_server, scheduler_run.dag_id, "mode")
    logged_in.find_element(By.ID, "element_mode").click()
    time.sleep(1)
    shown = [o for o in logged_in.find_elements(By.CSS_SELECTOR, "[role=option]") if o.is_displayed()]
    options = [(o.get_attribute("textContent") or "").strip() for o in shown]
    assert "fast" in options and "thorough" in options, options
    assert not any(o.lower() in ("null", "none", "") for o in options), options
    _shot(logged_in, "26-enum", doc=None)


def test_a_refused_trigger_shows_the_reason_in_the_dialog(logged_in, api_server, scheduler_run):
    """Point 4: a rejected parameter must show why, not only a bare "Bad Request" toast, and no run
    may be created. What the form can check (a type, a required field, bounds, an enum) it refuses
    itself, with the reason under the field and Trigger disabled; what only the API checks (here a
    required key inside the items of ``targets``) comes back as a 400 whose reason the dialog shows."""
    from selenium.webdriver.common.by import By

    token = api_token(api_server)
    runs_path = f"/api/v2/dags/{scheduler_run.dag_id}/dagRuns?limit=100"
    before = api_call(api_server, token, runs_path)["total_entries"]
    _open_trigger_form(logged_in, api_server, scheduler_run.dag_id, "targets")
    logged_in.find_element(By.ID, "element_token").send_keys("a-token")

    _paste_json(logged_in, api_server, "hosts", '{"not": "a list"}')
    _wait_for_text(logged_in, "Value must be an array", timeout=30)
    assert not _dialog_trigger_button(logged_in).is_enabled()
    _shot(logged_in, "27-refused-in-the-form", doc="ui-refused-in-the-form")

    _paste_json(logged_in, api_server, "hosts", '["alpha"]')
    time.sleep(1)
    _paste_json(logged_in, api_server, "targets", '[{"name": "web-1"}]')
    time.sleep(1)
    _dialog_trigger_button(logged_in).click()
    reason = "'id' is a required property"
    body = _wait_for_text(logged_in, reason, timeout=30)
    assert reason in body and "Invalid input for param targets" in body, body[-2000:]
    shown = [e for e in logged_in.find_elements(By.XPATH, f"//*[contains(text(), \"{reason}\")]") if e.is_displayed()]
    assert shown, "the reason is in the page but not displayed"
    logged_in.execute_script("arguments[0].scrollIntoView({block: 'center'});", shown[0])
    time.sleep(0.5)
    _shot(logged_in, "28-refused-by-the-api", doc="ui-refused-trigger")
    assert api_call(api_server, token, runs_path)["total_entries"] == before
