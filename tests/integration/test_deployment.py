"""The provider in a real distributed deployment: Postgres, Redis/Celery with two workers in
different directories, separate scheduler / dag-processor / api-server / triggerer processes and
the result store on an S3 server, driven only through the public REST API.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.actions import PAYLOAD_BYTES
from tests.integration.deployment import WORKER_NAMES, Deployment

pytestmark = pytest.mark.integration

RUN_TIMEOUT = 300


def _worker_of(deploy: Deployment, cwd: str) -> str:
    for name in WORKER_NAMES:
        if cwd == str(deploy.root / name):
            return name
    raise AssertionError(f"task ran in {cwd!r}, which is no worker's working directory")


def test_plain_airflow_dag_runs_mapped_tasks_on_celery(deployment: Deployment) -> None:
    """Baseline without attune: the deployment itself schedules and executes mapped tasks."""
    deployment.unpause("plain_mapped")
    run_id = deployment.trigger("plain_mapped")
    assert deployment.wait_for_runs("plain_mapped", [run_id], RUN_TIMEOUT) == {run_id: "success"}
    assert deployment.result("plain_mapped", run_id, "total") == sum(x * x for x in range(6))
    squares = [deployment.result("plain_mapped", run_id, "square", i) for i in range(6)]
    assert [s["square"] for s in squares] == [x * x for x in range(6)]
    assert {_worker_of(deployment, s["cwd"]) for s in squares} <= set(WORKER_NAMES)


def test_fanout_instances_on_both_workers_read_only_their_items(deployment: Deployment) -> None:
    count = 12
    dag_id = "integration.fanout"
    deployment.unpause(dag_id)
    deployment.proxy.reset()
    run_id = deployment.trigger(dag_id, {"count": count, "tag": "fan"})
    assert deployment.wait_for_runs(dag_id, [run_id], RUN_TIMEOUT) == {run_id: "success"}

    states = {
        (ti["task_id"], ti["map_index"]): ti["state"] for ti in deployment.task_instances(dag_id, run_id)
    }
    assert all(state == "success" for state in states.values()), states
    assert sorted(i for task, i in states if task == "process.run") == list(range(count))

    output = deployment.result(dag_id, run_id, "end")
    assert output["succeeded"] is True
    assert output["made"] == count and output["processed"] == count
    results = output["results"]
    assert [r["data"]["index"] for r in results] == list(range(count))
    for n, result in enumerate(results):
        assert result["succeeded"] is True
        assert result["data"]["run_id"] == run_id
        assert result["data"]["items"] == [{"tag": "fan", "n": n, "payload_ok": True}]
    by_worker: dict[str, int] = {}
    for result in results:
        worker = _worker_of(deployment, result["data"]["cwd"])
        by_worker[worker] = by_worker.get(worker, 0) + 1
    assert set(by_worker) == set(WORKER_NAMES), f"items were not spread over both workers: {by_worker}"

    # Server side: what each worker fetched of the list the mapped instances expand over.
    list_ref = deployment.xcom_entry(dag_id, run_id, "process.gate")
    list_key, list_size = list_ref["key"], list_ref["bytes"]
    assert list_size > count * PAYLOAD_BYTES
    reads = [
        r
        for r in deployment.proxy.requests()
        if r.method == "GET" and list_key in r.key and r.label in WORKER_NAMES and r.status in (200, 206)
    ]
    ranged = [r for r in reads if r.range]
    for worker in WORKER_NAMES:
        mine = [r for r in ranged if r.label == worker]
        assert mine, f"{worker} made no ranged read of the item list: {reads}"
        assert all(r.bytes_out < list_size / 4 for r in mine), [(r.range, r.bytes_out) for r in mine]
    whole_reads = [r for r in reads if r.bytes_out >= list_size]
    # The gate materialises the list once; the 12 mapped instances must not read it whole.
    assert len(whole_reads) <= 1, whole_reads
    total = sum(r.bytes_out for r in reads)
    for worker in WORKER_NAMES:  # shown with -rP: the server-side evidence
        mine = [r for r in reads if r.label == worker]
        print(
            f"{worker}: {by_worker[worker]} items, {len(mine)} GETs of the list, {sum(r.bytes_out for r in mine)} bytes"
        )
    print(f"list object: {list_size} bytes; all worker reads of it: {total} bytes")
    assert total < 3 * list_size, f"workers read {total} bytes of a {list_size}-byte list for {count} items"


def test_parallel_branches_publish_every_variable(deployment: Deployment) -> None:
    dag_id = "integration.branches"
    deployment.unpause(dag_id)
    run_id = deployment.trigger(dag_id)
    assert deployment.wait_for_runs(dag_id, [run_id], RUN_TIMEOUT) == {run_id: "success"}
    output = deployment.result(dag_id, run_id, "end")
    assert output["seed"] == 1
    for branch in "abcd":
        assert output[f"var_{branch}"].strip() == f"{branch} of {run_id}"
    # issue 21: a Celery worker built reqpack's virtualenv (requirements.txt) and ran the action in it
    assert output["var_e"] == "MCMXCIX"
    envs = deployment.airflow_home / "attune-runtime-envs" / "reqpack"
    assert Path(output["env_e"]).resolve().is_relative_to(envs.resolve()), output["env_e"]

    from attune_provider.store.variables import RunVariables

    variables = RunVariables(deployment.store(), dag_id, run_id).snapshot()
    assert {k: str(v).strip() for k, v in variables.items() if k.startswith("var_")} == {
        **{f"var_{b}": f"{b} of {run_id}" for b in "abcd"},
        "var_e": "MCMXCIX",
    }


def test_an_sdk_based_pack_runs_on_the_celery_workers(deployment: Deployment) -> None:
    """Issue 21: actions bootstrapped by the real attune SDK (``attune.run_action``) run on a Celery
    worker with the SDK from their pack's own virtualenv, not the provider's."""
    dag_id = "integration.sdk_pack"
    deployment.unpause(dag_id)
    run_id = deployment.trigger(dag_id, {"names": ["ada", "grace", "linus"]})
    assert deployment.wait_for_runs(dag_id, [run_id], RUN_TIMEOUT) == {run_id: "success"}
    output = deployment.result(dag_id, run_id, "end")
    assert output["messages"] == ["Hello, ada", "HELLO, GRACE", "Hello, linus"], output
    envs = (deployment.airflow_home / "attune-runtime-envs" / "sdkpack").resolve()
    for sdk_file in output["sdk_files"]:
        assert Path(sdk_file).resolve().is_relative_to(envs), sdk_file


def test_the_public_python_example_pack_runs_unchanged_on_celery(deployment: Deployment) -> None:
    """Issue 21, "Done when": attune-packs/python_example, unchanged, in the Celery deployment
    (its timeline_demo workflow: SDK actions, fan-out/fan-in, with_items, retries, publish)."""
    from tests.integration.conftest import PUBLIC_SDK_DAG, public_sdk_pack

    if public_sdk_pack() is None:
        pytest.skip("set ATTUNE_PUBLIC_PACKS to a folder holding attune-packs/python_example")
    deployment.unpause(PUBLIC_SDK_DAG)
    conf = {"item_count": 3, "build_duration": 0.2, "lint_duration": 0.2, "scan_duration": 0.2,
            "item_duration": 0.1}  # fmt: skip
    run_id = deployment.trigger(PUBLIC_SDK_DAG, conf)
    assert deployment.wait_for_runs(PUBLIC_SDK_DAG, [run_id], RUN_TIMEOUT) == {run_id: "success"}
    output = deployment.result(PUBLIC_SDK_DAG, run_id, "end")
    assert output["status"] == "success" and output["items_processed"] == 3 and output["succeeded"] is True
    sdk = list((deployment.airflow_home / "attune-runtime-envs" / "python_example").glob(
        "python-*/lib/python*/site-packages/attune/__init__.py"))  # fmt: skip
    assert sdk, "the SDK did not come from python_example's own environment"


@pytest.fixture(scope="module")
def cleared_rerun(deployment: Deployment) -> dict:
    """Run integration.rerun, clear its task through the REST API and wait for the second try."""
    dag_id = "integration.rerun"
    deployment.unpause(dag_id)
    run_id = deployment.trigger(dag_id)
    assert deployment.wait_for_runs(dag_id, [run_id], RUN_TIMEOUT) == {run_id: "success"}
    first = deployment.xcom_entry(dag_id, run_id, "token.run")
    first_token = deployment.result(dag_id, run_id, "token.run")["data"]["token"]
    keys_before = deployment.s3_keys()

    deployment.api(
        "POST",
        f"/dags/{dag_id}/clearTaskInstances",
        {
            "dry_run": False,
            "dag_run_id": run_id,
            "task_ids": ["token.run"],
            "include_downstream": True,
            "only_failed": False,
            "reset_dag_runs": True,
        },
    )
    # Clearing puts the run back to queued; wait for the second try to finish.
    deployment.wait_for_runs(dag_id, [run_id], RUN_TIMEOUT)
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "first": first,
        "first_token": first_token,
        "keys_before": keys_before,
        "second": deployment.xcom_entry(dag_id, run_id, "token.run"),
        "second_token": deployment.result(dag_id, run_id, "token.run")["data"]["token"],
        "keys_after": deployment.s3_keys(),
    }


def test_cleared_task_reruns_and_stores_a_new_result(deployment: Deployment, cleared_rerun: dict) -> None:
    dag_id, run_id = cleared_rerun["dag_id"], cleared_rerun["run_id"]
    assert any(cleared_rerun["first"]["key"] in key for key in cleared_rerun["keys_before"])
    tries = {ti["task_id"]: ti["try_number"] for ti in deployment.task_instances(dag_id, run_id)}
    assert tries["token.run"] == 2
    assert deployment.run_state(dag_id, run_id) == "success"
    assert cleared_rerun["second"]["key"] != cleared_rerun["first"]["key"]
    assert cleared_rerun["second_token"] != cleared_rerun["first_token"]
    assert any(cleared_rerun["second"]["key"] in key for key in cleared_rerun["keys_after"])
    assert deployment.result(dag_id, run_id, "end")["token"] == cleared_rerun["second_token"]


def test_cleared_task_rerun_purges_its_old_object(cleared_rerun: dict) -> None:
    first_key = cleared_rerun["first"]["key"]
    assert not any(first_key in key for key in cleared_rerun["keys_after"]), "the old object was not purged"
