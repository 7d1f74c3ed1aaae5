"""One shared multi-process deployment for the whole integration suite (started once, ~2 min).

Every process runs in its own process group; the fixture's finalizer stops them all even when a
test fails, and a failing test gets the tail of every component's log in its report.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.deployment import Deployment, start_deployment

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]

#: DAG ids the suite drives; the deployment is ready once the DAG processor has parsed them all
ATTUNE_DAGS = (
    "integration.fanout",
    "integration.branches",
    "integration.rerun",
    "integration.daily",
    "integration.load",
    "integration.sdk_pack",
)

#: issue 21, "Done when": attune-packs/python_example (a real SDK-based pack), read unchanged from
#: $ATTUNE_PUBLIC_PACKS when that folder holds it (kept outside the project; skipped otherwise)
PUBLIC_SDK_PACK = Path(os.environ.get("ATTUNE_PUBLIC_PACKS") or "/nonexistent") / "python_example"
PUBLIC_SDK_DAG = "python_example.timeline_demo"


def public_sdk_pack() -> Path | None:
    return PUBLIC_SDK_PACK if (PUBLIC_SDK_PACK / "pack.yaml").is_file() else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def deployment(request) -> Iterator[Deployment]:
    deploy = start_deployment(
        dag_files=[REPO_ROOT / "dags" / "attune_dags.py", HERE / "dags" / "plain_mapped.py"],
        workflow_files=sorted((HERE / "workflows").glob("*.yaml")),
        pack_dirs=[  # issue 21: pack environments built on the Celery workers
            REPO_ROOT / "tests" / "actions" / "envpacks" / "reqpack",
            REPO_ROOT / "tests" / "actions" / "envpacks" / "sdkpack",
            *filter(None, [public_sdk_pack()]),
        ],
    )
    public = [PUBLIC_SDK_DAG] if public_sdk_pack() else []
    try:
        deploy.wait_for_dags(["plain_mapped", *ATTUNE_DAGS, *public], timeout=240)
        yield deploy
    except BaseException:
        print(deploy.logs_report())
        raise
    finally:
        deploy.stop()
        if request.session.testsfailed == 0:  # keep the logs and data of a failing session
            shutil.rmtree(deploy.root, ignore_errors=True)


@pytest.fixture(autouse=True)
def _logs_on_failure(request) -> Iterator[None]:
    """Print every component's log tail when a test of this suite fails."""
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and "deployment" in request.fixturenames:
        deploy: Deployment = request.getfixturevalue("deployment")
        print(deploy.logs_report())
