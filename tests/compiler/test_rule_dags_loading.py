"""The DAG processor's side of timer rules: build_dags publishes the rule's DAG with its
schedule, and editing the rule file (not only actions/ and workflows/) invalidates the cache."""

from __future__ import annotations

from pathlib import Path

from attune_provider.dag_loading import SpecCache, build_dags

RULE = """ref: nightly
trigger_ref: core.crontimer
action_ref: core.echo
trigger_params: {expression: "0 0 3 * * *"}
action_params: {message: hi}
enabled: ENABLED
"""


def test_rule_dag_is_published_and_a_rule_edit_invalidates_the_cache(tmp_path: Path) -> None:
    pack = tmp_path / "packs" / "ops"
    (pack / "rules").mkdir(parents=True)
    (pack / "actions").mkdir()
    (pack / "pack.yaml").write_text("ref: ops\nversion: '1.0.0'\n")
    rule = pack / "rules" / "nightly.yaml"
    rule.write_text(RULE.replace("ENABLED", "false"))
    folders = [tmp_path / "packs"]

    first = build_dags({}, folders=folders, cache=SpecCache(tmp_path / "cache"), only_dag_id=None)
    dag = first.dags["ops.nightly"]
    assert dag.timetable.expression == "0 3 * * *" and dag.is_paused_upon_creation is True

    rule.write_text(RULE.replace("ENABLED", "true").replace("0 0 3", "0 30 4"))
    second = build_dags({}, folders=folders, cache=SpecCache(tmp_path / "cache"), only_dag_id=None)
    dag = second.dags["ops.nightly"]
    assert dag.timetable.expression == "30 4 * * *" and dag.is_paused_upon_creation is False
