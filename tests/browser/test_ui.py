"""A user's path through the Airflow UI: log in, open the attune DAG, its mapped instances, and
the attune views (resolved result on a task instance, sources and task table on the DAG).

Screenshots land in test-artifacts/browser/ (gitignored) for a human to look at.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.browser.conftest import ARTIFACTS, PASSWORD, SERVER_COUNT

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


def _shot(driver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


@pytest.fixture(scope="module")
def logged_in(browser, api_server):
    from selenium.webdriver.common.by import By

    browser.get(api_server + "/")
    _wait_for_text(browser, "Sign in")
    browser.find_element(By.CSS_SELECTOR, "input[name=username]").send_keys("admin")
    browser.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(PASSWORD)
    _shot(browser, "01-login")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    deadline = time.monotonic() + 60
    while not any(c["name"] == "_token" for c in browser.get_cookies()):
        assert time.monotonic() < deadline, "login did not set the session cookie"
        time.sleep(0.5)
    return browser


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
    run = urllib.parse.quote(stored_run.run_id, safe="")
    logged_in.get(
        f"{api_server}/dags/{stored_run.dag_id}/runs/{run}/tasks/check_health.run/mapped/2/plugin/attune-result"
    )
    _enter_frame(logged_in, "Attune result")
    try:
        body = _wait_for_text(logged_in, "content hash (sha256)")
        assert "attune result: check_health.run [2]" in body
        assert "result store reference" in body
        assert "srv-0003" in body  # map index 2 is the third server
        assert "object size" in body
    finally:
        logged_in.switch_to.default_content()
    _shot(logged_in, "04-task-instance-result")


def test_run_result_and_workflow_source_views(logged_in, api_server, stored_run):
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
        assert "compiled tasks" in body and "check_health.run" in body
        assert "with_items:" in body and "health_check_servers.workflow.yaml" in body
    finally:
        logged_in.switch_to.default_content()
    _shot(logged_in, "06-workflow-source")
