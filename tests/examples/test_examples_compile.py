"""Every example workflow loads and compiles through the DAG loader, with the expected shape."""

from __future__ import annotations

from attune_provider.compiler.dag_loader import SpecCache, build_dags, discover_units
from tests.examples.conftest import EXAMPLES

EXPECTED = {
    "examples.health_check_servers",
    "examples.bulk_notify",
    "examples.process_logs",
    "examples.deploy_release",
}


def test_examples_load_and_compile_without_problems(tmp_path):
    report = build_dags(None, folders=[EXAMPLES], cache=SpecCache(tmp_path), only_dag_id=None)
    assert report.problems == {}
    assert [str(w) for w in report.warnings] == []
    assert set(report.dags) == EXPECTED


def test_examples_are_one_pack_unit():
    units = discover_units([EXAMPLES])
    assert [(u.kind, u.path.name) for u in units] == [("pack", "examples")]


def test_example_dags_carry_params_tags_and_docs(example_dags):
    health = example_dags["examples.health_check_servers"]
    assert health.params["server_count"] == 1000
    assert "example" in health.tags
    assert "check_health" in (health.doc_md or "")
    notify = example_dags["examples.bulk_notify"]
    assert notify.params["user_count"] == 5000
    deploy = example_dags["examples.deploy_release"]
    assert deploy.params["regions"] == ["eu-west", "us-east"]
    # the mapped steps are real mapped operators
    mapped = {t.task_id for d in example_dags.values() for t in d.tasks if t.is_mapped}
    assert {"check_health.run", "notify.run", "count_levels.run", "deploy.run"} <= mapped
