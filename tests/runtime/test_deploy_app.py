"""The corpus' canonical pack workflow deployments.deploy_app, compiled and RUN (dev path,
so no inquiry) with test doubles for the pack's actions."""

from __future__ import annotations

import pytest

from attune_provider.compiler import compile_workflow
from attune_provider.spec.loader import load_pack
from tests.runtime.helpers import expose, run_dag

pytestmark = pytest.mark.airflow


@pytest.fixture
def deploy_app(corpus, registry):
    calls: list[tuple[str, dict]] = []

    def double(name, fail_region=None):
        def action(**params):
            calls.append((name, params))
            if fail_region and params.get("region") == fail_region:
                raise RuntimeError(f"deploy to {fail_region} failed")
            if name == "validate":
                return {"summary": f"{params['app_name']} {params['version']} ok"}
            return {"done": params.get("region")}

        return action

    registry.register("deployments.validate_release", double("validate"))
    registry.register("deployments.deploy_region", double("deploy", fail_region="mars"))
    registry.register("deployments.rollback", double("rollback"))
    registry.register("deployments.check_approval", double("check_approval"))
    registry.register("slack.request_approval", double("request_approval"))
    spec = load_pack(corpus / "packs" / "deployments").workflows["deployments.deploy_app"]
    return expose(compile_workflow(spec, registry=registry)), calls


def test_deploy_app_dev_path(dag_env, deploy_app):
    dag, calls = deploy_app
    report = run_dag(dag, {"app_name": "shop", "version": "1.4.2", "regions": ["eu-west", "us-east"]})
    assert report.state == "success"
    assert report.output == {
        "status": "success",
        "deployed_regions": ["eu-west", "us-east"],
        "approved": True,
        "succeeded": True,
    }
    assert report.states["validate.run"] == "success"
    assert report.states["maybe_approve.run"] == "success"
    assert report.states["ask_for_approval.run"] == "skipped"
    assert report.states["check_approval.gate"] == "skipped"
    assert report.mapped_states["deploy_regions.run"] == {0: "success", 1: "success"}
    assert report.labels["deploy_regions.run"] == {0: "0: eu-west", 1: "1: us-east"}
    assert report.states["summarize.run"] == "success"
    assert report.states["rollback.gate"] == "skipped"
    assert report.variables()["validation_summary"] == "shop 1.4.2 ok"
    # deploy_regions has concurrency 2: attune dispatches both items at once, so the order the
    # two deploys *ran* in is not guaranteed (each ran once with its own item); the task's
    # result list is: item i's result at index i (docs/with_items.md)
    deploys = sorted((params for name, params in calls if name == "deploy"), key=lambda p: p["item_index"])
    assert deploys == [
        {"app_name": "shop", "version": "1.4.2", "environment": "dev", "region": "eu-west", "item_index": 0},
        {"app_name": "shop", "version": "1.4.2", "environment": "dev", "region": "us-east", "item_index": 1},
    ]
    results = [report.xcom("deploy_regions.run", map_index=i) for i in (0, 1)]
    assert [r["data"] for r in results] == [{"done": "eu-west"}, {"done": "us-east"}]


def test_deploy_app_failed_region_rolls_back(dag_env, deploy_app):
    dag, _calls = deploy_app
    report = run_dag(dag, {"app_name": "shop", "version": "2.0", "regions": ["eu-west", "mars"]})
    # the failure is handled by rollback -> failed_after_rollback: the run succeeds
    assert report.state == "success"
    assert report.mapped_states["deploy_regions.run"] == {0: "success", 1: "failed"}
    assert report.decision("deploy_regions")["selected"] == ["rollback"]
    assert "deploy to mars failed" in report.decision("deploy_regions")["error"]
    assert report.mapped_states["rollback.run"] == {0: "success", 1: "success"}
    assert report.states["failed_after_rollback.run"] == "success"
    assert report.states["summarize.run"] == "skipped"
    # final_status was never published: a missing key of an existing object renders as null
    assert report.output == {"status": None, "deployed_regions": [], "approved": True, "succeeded": True}
