"""A user's path through the Airflow UI: log in, open the attune DAG, its mapped instances, and
the attune views (resolved result on a task instance, sources and task table on the DAG).

Screenshots land in test-artifacts/browser/ (gitignored) for a human to look at.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.browser.conftest import ARTIFACTS, BROKEN_FILE, BROKEN_LINE, SERVER_COUNT

DOC_IMAGES = ARTIFACTS.parents[1] / "docs" / "images"

pytestmark = [pytest.mark.browser, pytest.mark.airflow]


def _wait_for_text(driver, text: str, timeout: float = 60) -> str:
    """Body text once it contains ``text`` (the UI renders asynchronously)."""
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        try:
            body = driver.find_element(By.TAG_NAME, "body").text
        except Exception:
            body = ""
        if text in body:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not shown within {timeout}s; page text starts: {body[:800]!r}")


def _enter_frame(driver, title: str, timeout: float = 60) -> None:
    """Switch into the plugin's iframe once the UI has rendered it."""
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while True:
        frames = driver.find_elements(By.CSS_SELECTOR, f"iframe[title='{title}']")
        if frames:
            driver.switch_to.frame(frames[0])
            return
        assert time.monotonic() < deadline, f"no {title!r} view within {timeout}s"
        time.sleep(0.5)


def _shot(driver, name: str, doc: str | None = None) -> None:
    """Screenshot into test-artifacts/browser/; with ATTUNE_UPDATE_DOC_IMAGES=1, ``doc`` also
    refreshes the checked-in docs/images/<doc>.png (so ordinary runs leave the tree clean)."""
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    if doc and os.environ.get("ATTUNE_UPDATE_DOC_IMAGES") == "1":
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(DOC_IMAGES / f"{doc}.png"))


def test_results_need_login(api_server, stored_run):
    query = urllib.parse.urlencode(
        {"dag_id": stored_run.dag_id, "run_id": stored_run.run_id, "task_id": "end"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{api_server}/attune/result?{query}", timeout=30)
    assert caught.value.code == 401


def test_dag_shows_attune_task_groups(logged_in, api_server, stored_run):
    logged_in.get(f"{api_server}/dags/{stored_run.dag_id}")
    body = _wait_for_text(logged_in, "check_health")
    for group in ("list_servers", "summarize"):
        assert group in body
    _shot(logged_in, "02-dag")


def test_mapped_instances_are_labelled(logged_in, api_server, stored_run):
    run = urllib.parse.quote(stored_run.run_id, safe="")
    logged_in.get(f"{api_server}/dags/{stored_run.dag_id}/runs/{run}/tasks/check_health.run/mapped")
    labels = [f"srv-{i:04d}" for i in range(1, SERVER_COUNT + 1)]
    # the list is newest map index first: the first label is the last row to render
    body = _wait_for_text(logged_in, f"0: {labels[0]}")
    assert f"Task Instances [{SERVER_COUNT}]" in body, body[:1500]
    assert all(label in body for label in labels), body[:1500]
    _shot(logged_in, "03-mapped-instances")


def test_task_instance_view_shows_the_resolved_result(logged_in, api_server, stored_run):
    from selenium.webdriver.common.by import By

    run = urllib.parse.quote(stored_run.run_id, safe="")
    logged_in.get(
        f"{api_server}/dags/{stored_run.dag_id}/runs/{run}/tasks/check_health.run/mapped/2/plugin/attune-result"
    )
    _enter_frame(logged_in, "Attune result")
    try:
        body = _wait_for_text(logged_in, "content hash (sha256)")
        # issue 14 item 6: titled by the item label, no mid-token wraps, download
        assert "check_health.run [srv-0003]" in body.splitlines()[0]  # map index 2, third server
        assert "result store reference" in body and "object size" in body
        collapsed = logged_in.find_elements(By.CSS_SELECTOR, "[data-testid='attune-collapsed']")
        # attune keeps no stdout once output was parsed (executor.rs): nothing repeats data, nothing to collapse
        assert collapsed == []
        hash_cell = logged_in.find_element(By.CSS_SELECTOR, "table.meta code")
        line = float(logged_in.execute_script("return parseFloat(getComputedStyle(arguments[0]).lineHeight)", hash_cell))
        assert hash_cell.size["height"] < 1.6 * line, "the 64-char hash wrapped inside the token"
        link = logged_in.find_element(By.CSS_SELECTOR, "[data-testid='attune-download']")
        assert link.get_attribute("download") is not None
        text = logged_in.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then(r => r.text()).then(done, e => done('ERR ' + e));",
            link.get_attribute("href"),
        )
        downloaded = json.loads(text)
        assert downloaded["data"]["name"] == "srv-0003" and downloaded["succeeded"] is True
    finally:
        logged_in.switch_to.default_content()
    _shot(logged_in, "04-task-instance-result", doc="ui-result")


def test_run_result_and_workflow_source_views(logged_in, api_server, stored_run):
    from selenium.webdriver.common.by import By

    run = urllib.parse.quote(stored_run.run_id, safe="")
    logged_in.get(f"{api_server}/dags/{stored_run.dag_id}/runs/{run}/tasks/end/plugin/attune-result")
    _enter_frame(logged_in, "Attune result")
    try:
        body = _wait_for_text(logged_in, "succeeded")
        assert f"{stored_run.result['total']}" in body
    finally:
        logged_in.switch_to.default_content()
    _shot(logged_in, "05-run-result")

    logged_in.get(f"{api_server}/dags/{stored_run.dag_id}/plugin/attune-workflow")
    _enter_frame(logged_in, "Attune workflow")
    try:
        body = _wait_for_text(logged_in, "attune source")
        assert "compiled Airflow tasks" in body and "check_health.run" in body
        assert "with_items:" in body and "health_check_servers.workflow.yaml" in body
        # issue 14 item 7: label rule, params with descriptions, transitions with their `when`
        assert "attune_item_label" not in body
        assert "label: <index>: the item's name, id, key, title or label" in body
        params = logged_in.find_element(By.CSS_SELECTOR, "[data-testid='attune-params']").text
        assert "Base URL of the health API" in params and "How many servers" in params
        transitions = logged_in.find_element(By.CSS_SELECTOR, "[data-testid='attune-transitions']").text
        assert "{{ failed() }} → report_check_failure" in transitions
        assert "{{ succeeded() }} → summarize" in transitions
    finally:
        logged_in.switch_to.default_content()
    _shot(logged_in, "06-workflow-source", doc="ui-workflow")


def _token(driver) -> str:
    return next(c["value"] for c in driver.get_cookies() if c["name"] == "_token")


def _api(base: str, token: str, path: str) -> dict:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_xcom_tab_preview_is_json_and_points_to_the_result_tab(logged_in, api_server, stored_run):
    """Issue 14 item 5: Airflow's own XCom tab shows a useful JSON preview of the reference."""
    from selenium.webdriver.common.by import By

    run = urllib.parse.quote(stored_run.run_id, safe="")
    logged_in.get(f"{api_server}/dags/{stored_run.dag_id}/runs/{run}/tasks/check_health.run/mapped/2/xcom")
    _wait_for_text(logged_in, "return_value")
    expand = [
        b
        for b in logged_in.find_elements(By.TAG_NAME, "button")
        if (b.get_attribute("aria-label") or "").lower() == "expand all extra json"
    ]
    assert expand, "no 'expand all' button on the XCom tab"
    expand[0].click()
    body = _wait_for_text(logged_in, "Attune result tab")
    assert "__attune_ref__" in body and "srv-0003" in body
    assert "{'" not in body  # JSON, not a Python repr
    _shot(logged_in, "07-xcom-tab", doc="ui-xcom-preview")
    raw = _api(
        api_server,
        _token(logged_in),
        f"/api/v2/dags/{stored_run.dag_id}/dagRuns/{run}/taskInstances/check_health.run/xcomEntries/return_value?map_index=2",
    )["value"]
    preview = (json.loads(raw) if isinstance(raw, str) else raw)["preview"]
    assert next(iter(preview)) == "full_value"  # shown first in the tab
    shown = preview["value"] if "value" in preview else preview["first_items"]  # in full when small
    assert shown["data"]["name"] == "srv-0003"
    assert preview["full_value"].endswith("/tasks/check_health.run/mapped/2/plugin/attune-result")


def _open_trigger_form(driver, api_server: str, dag_id: str, field: str, timeout: float = 60) -> None:
    """Open the DAG's trigger dialog and wait until its form shows parameter ``field``."""
    from selenium.webdriver.common.by import By

    driver.get(f"{api_server}/dags/{dag_id}")
    _wait_for_text(driver, "Trigger")
    buttons = [b for b in driver.find_elements(By.TAG_NAME, "button") if b.text.strip() == "Trigger"]
    assert buttons, "no Trigger button on the DAG page"
    buttons[0].click()
    deadline = time.monotonic() + timeout
    while not driver.find_elements(By.ID, f"element_{field}"):
        assert time.monotonic() < deadline, f"the trigger form has no {field} field"
        time.sleep(0.5)


def _dialog_trigger_button(driver):
    """The trigger dialog's own Trigger button (not the DAG page's)."""
    from selenium.webdriver.common.by import By

    found = [b for b in driver.find_elements(By.CSS_SELECTOR, "[role=dialog] button") if b.text.strip() == "Trigger"]
    assert found, "no Trigger button in the trigger dialog"
    return found[-1]


def _paste_json(driver, api_server: str, field: str, text: str) -> None:
    """Replace the text of parameter ``field``'s JSON editor by pasting, as a user would (typed
    keys fight the editor's auto-closing brackets)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"], "origin": api_server},
    )
    editor = driver.find_element(By.ID, f"element_{field}")
    ActionChains(driver).click(editor.find_element(By.CSS_SELECTOR, ".view-lines")).perform()
    copied = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.writeText(arguments[0]).then(() => done('ok'), e => done('ERR ' + e));",
        text,
    )
    assert copied == "ok", copied
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).key_down(
        Keys.CONTROL
    ).send_keys("v").key_up(Keys.CONTROL).perform()


def test_trigger_form_offers_json_for_object_arrays(logged_in, api_server, stored_run):
    """Issue 14 item 4: `servers` (array of records) gets the JSON editor and arrives as dicts."""
    from selenium.webdriver.common.by import By

    _open_trigger_form(logged_in, api_server, stored_run.dag_id, "servers")
    field = logged_in.find_element(By.ID, "element_servers")
    assert field.tag_name != "textarea", "servers is still 'one string per line'"
    body = logged_in.find_element(By.TAG_NAME, "body").text
    assert "Explicit server records" in body  # the description is shown
    _shot(logged_in, "08-trigger-form", doc="ui-trigger-form")

    _paste_json(logged_in, api_server, "servers", '[{"id": 1, "name": "web-1"}]')
    logged_in.find_element(By.ID, "element_base_url").send_keys("http://127.0.0.1:9")
    time.sleep(1)
    _dialog_trigger_button(logged_in).click()
    deadline = time.monotonic() + 60
    token = _token(logged_in)
    while True:
        runs = _api(api_server, token, f"/api/v2/dags/{stored_run.dag_id}/dagRuns?order_by=-run_after&limit=5")
        triggered = [r for r in runs["dag_runs"] if r["dag_run_id"] != stored_run.run_id]
        if triggered:
            break
        assert time.monotonic() < deadline, "the form did not create a run"
        time.sleep(1)
    conf = triggered[0]["conf"]
    assert conf["servers"] == [{"id": 1, "name": "web-1"}], conf
    assert isinstance(conf["servers"][0], dict)


def test_load_error_dag_shows_the_broken_file(logged_in, api_server, stored_run):
    """Issue 14 item 7: a load-error DAG's workflow tab shows the broken file, error line marked."""
    from selenium.webdriver.common.by import By

    dag_id = f"attune_load_error.{BROKEN_FILE}"
    logged_in.get(f"{api_server}/dags/{dag_id}/plugin/attune-workflow")
    _enter_frame(logged_in, "Attune workflow")
    try:
        body = _wait_for_text(logged_in, BROKEN_FILE)
        assert "no attune source found" not in body
        bad = logged_in.find_element(By.CSS_SELECTOR, "span.bad")
        assert bad.get_attribute("data-line") == str(BROKEN_LINE)
        assert bad.text.startswith("tasks:")
        why = logged_in.find_element(By.CSS_SELECTOR, "[data-testid='attune-error-line']").text
        assert f"line {BROKEN_LINE}" in why and "list" in why
        color = logged_in.execute_script("return getComputedStyle(arguments[0]).backgroundColor", bad)
        assert color not in ("rgba(0, 0, 0, 0)", "transparent"), "the error line is not highlighted"
    finally:
        logged_in.switch_to.default_content()
    _shot(logged_in, "09-load-error", doc="ui-load-error")


def test_after_a_cli_run_the_ui_shows_every_workflow_and_labelled_edges_and_the_run_log_has_the_output(
    logged_in, api_server, stored_run
):
    """Issue 14 "done when": the README's deployment, `attune-airflow run`, then the api-server."""
    from selenium.webdriver.common.by import By

    from tests.browser.conftest import deployment_dag_ids

    token = _token(logged_in)
    # every workflow of the deployment (the loader file's DAGs, the load-error DAG), not only the run's
    expected = deployment_dag_ids(stored_run.home)
    assert stored_run.dag_id in expected and f"attune_load_error.{BROKEN_FILE}" in expected
    listed = {d["dag_id"] for d in _api(api_server, token, "/api/v2/dags?limit=100")["dags"]}
    assert listed == expected
    errors = _api(api_server, token, "/api/v2/importErrors")["import_errors"]
    assert len(errors) == 1 and BROKEN_FILE in errors[0]["stack_trace"], errors
    assert not any("DuplicatedId" in e["stack_trace"] for e in errors)
    logged_in.get(f"{api_server}/dags")
    body = _wait_for_text(logged_in, f"{len(expected)} Dags")
    _shot(logged_in, "10-dag-list")

    # an in-process run (dag.test()) writes no per-instance task log files (docs/running.md, Logs):
    # the actions' output is in the run's own log file, levels included; runs made by Airflow's
    # processes have per-instance logs for the Logs tab (tests/cli/test_task_logs.py)
    run = urllib.parse.quote(stored_run.run_id, safe="")
    run_logs = "\n".join(p.read_text() for p in (stored_run.home / "logs" / "attune-cli").glob("*.log"))
    assert '[stdout] {"id": 3, "name": "srv-0003"' in run_logs
    assert "[stderr] srv-0003: ok" in run_logs and "[info" in run_logs

    # condition edges carry their `when` (drawn from the structure the graph view reads)
    structure = _api(api_server, token, f"/ui/structure/structure_data?dag_id={stored_run.dag_id}")
    # edges leave a task group through its join node: (group, target) -> label
    labels = {
        (e["source_id"].split(".")[0], e["target_id"]): e.get("label")
        for e in structure["edges"]
        if e["source_id"].split(".")[0] != e["target_id"].split(".")[0]
    }
    assert labels[("check_health", "summarize.run")] == "succeeded()", labels
    assert labels[("check_health", "report_check_failure.run")] == "failed()", labels
    logged_in.execute_script("localStorage.setItem('default_dag_view', JSON.stringify('graph'))")
    logged_in.get(f"{api_server}/dags/{stored_run.dag_id}/runs/{run}")
    body = _wait_for_text(logged_in, "failed()")
    assert "succeeded()" in body
    assert logged_in.find_elements(By.CSS_SELECTOR, ".react-flow__edge"), "no graph drawn"
    _shot(logged_in, "12-graph-edge-labels")
