"""A pack's rules/*.yaml: timer rules become scheduled workflows, everything else is a located
warning (issue 21, item 3). Rule fields as attune's ``pack_registry/loader.rs`` reads them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from attune_provider.spec import load_pack, load_path

PACK = "ref: ops\nlabel: Ops\nversion: '1.0.0'\n"
CLEANUP_ACTION = """
ref: ops.cleanup
runner_type: shell
entry_point: cleanup.sh
parameters:
  mode: {type: string, required: true}
  keep_days: {type: integer, default: 7}
"""
REPORT_ACTION = """
ref: ops.report
workflow_file: workflows/report.workflow.yaml
parameters:
  target: {type: string, default: all}
"""
REPORT_GRAPH = """
version: "1.0.0"
tasks:
  - name: collect
    action: core.echo
    input: {message: "{{ parameters.target }}"}
"""


def _pack(tmp_path: Path, rules: dict[str, str], extra: dict[str, str] | None = None) -> Path:
    root = tmp_path / "ops"
    files = {
        "pack.yaml": PACK,
        "actions/cleanup.yaml": CLEANUP_ACTION,
        "actions/cleanup.sh": "echo ok\n",
        "actions/report.yaml": REPORT_ACTION,
        "actions/workflows/report.workflow.yaml": REPORT_GRAPH,
        **{f"rules/{name}.yaml": textwrap.dedent(text) for name, text in rules.items()},
        **(extra or {}),
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_cron_rule_on_a_plain_action_is_a_one_task_workflow(tmp_path: Path) -> None:
    root = _pack(
        tmp_path,
        {
            "nightly": """
        ref: nightly_cleanup
        trigger_ref: core.crontimer
        action_ref: cleanup
        trigger_params: {expression: "0 0 2 * * *", timezone: UTC}
        action_params: {mode: daily}
        enabled: false
    """
        },
    )
    loaded = load_pack(root)
    assert not loaded.errors, loaded.errors
    spec = loaded.workflows["ops.nightly_cleanup"]  # unqualified refs get the pack's prefix
    assert [(t.name, t.action) for t in spec.tasks] == [("cleanup", "ops.cleanup")]
    assert spec.parameters["mode"].default == "daily" and spec.parameters["keep_days"].default == 7
    assert spec.airflow.timer.cron == "0 2 * * *" and spec.airflow.paused is True
    assert spec.rule_file == root / "rules" / "nightly.yaml"


def test_interval_rule_on_a_workflow_action_copies_the_workflow(tmp_path: Path) -> None:
    root = _pack(
        tmp_path,
        {
            "every5": """
        ref: ops.report_every_5m
        trigger_ref: core.intervaltimer
        action_ref: ops.report
        trigger_params: {unit: minutes, interval: 5}
        action_params: {target: web}
    """
        },
    )
    loaded = load_pack(root)
    assert not loaded.errors, loaded.errors
    spec = loaded.workflows["ops.report_every_5m"]
    assert spec.task_names == loaded.workflows["ops.report"].task_names == ("collect",)
    assert spec.parameters["target"].default == "web"
    assert loaded.workflows["ops.report"].parameters["target"].default == "all"  # the workflow is untouched
    assert spec.airflow.timer.kind == "interval" and spec.airflow.paused is False


def test_rule_problems_are_located_errors(tmp_path: Path) -> None:
    root = _pack(
        tmp_path,
        {
            "seconds": """
            ref: every_ten_seconds_cron
            trigger_ref: core.crontimer
            action_ref: report
            trigger_params: {expression: "*/10 * * * * *"}
        """,
            "templated": """
            ref: templated
            trigger_ref: core.intervaltimer
            action_ref: report
            trigger_params: {interval: 60}
            action_params:
              target: "{{ event.payload.fired_at }}"
        """,
            "missing": """
            ref: missing_required
            trigger_ref: core.intervaltimer
            action_ref: cleanup
            trigger_params: {interval: 60}
        """,
            "unknown": """
            ref: unknown_param
            trigger_ref: core.intervaltimer
            action_ref: cleanup
            trigger_params: {interval: 60}
            action_params: {mode: x, colour: red}
        """,
        },
    )
    loaded = load_pack(root)
    # (each rule text starts with a newline: its first key is on line 2)
    found = {(Path(e.location.file).name, e.location.line): e.message for e in loaded.errors}
    assert "minute resolution" in found[("seconds.yaml", 5)]
    assert "template" in found[("templated.yaml", 7)]
    assert "mode" in found[("missing.yaml", 2)]
    assert "colour" in found[("unknown.yaml", 6)]
    assert not any(ref.startswith("ops.") and ref != "ops.report" and ref != "ops.cleanup"
                   for ref in loaded.workflows)  # fmt: skip


def test_other_triggers_sensors_and_trigger_files_are_warned_about_once_each(tmp_path: Path) -> None:
    root = _pack(
        tmp_path,
        {"webhook": "ref: on_push\ntrigger_ref: ops.push\naction_ref: report\naction_params: {}\n"},
        {
            "triggers/push.yaml": "ref: ops.push\ntype: webhook\n",
            "sensors/poller.yaml": "ref: ops.poller\nrunner_type: python\nentry_point: poller.py\n",
        },
    )
    loaded = load_pack(root)
    assert not loaded.errors
    codes = sorted((w.code, Path(w.location.file).name) for w in loaded.warnings
                   if w.code.endswith("not-translated"))  # fmt: skip
    assert codes == [
        ("rule-not-translated", "webhook.yaml"),
        ("sensor-not-translated", "poller.yaml"),
        ("trigger-not-translated", "push.yaml"),
    ]
    rule_warning = next(w for w in loaded.warnings if w.code == "rule-not-translated")
    assert (
        rule_warning.location.line == 2
        and "sensor" in rule_warning.message
        and "Asset" in rule_warning.message
    )
    assert "ops.on_push" not in loaded.workflows


def test_loading_the_rule_file_alone_gives_its_dag(tmp_path: Path) -> None:
    root = _pack(
        tmp_path,
        {
            "daily": """
        ref: daily_report
        trigger_ref: core.datetimetimer
        action_ref: report
        trigger_params: {fire_at: "2099-01-01T00:00:00Z"}
    """
        },
    )
    result = load_path(root / "rules" / "daily.yaml")
    assert list(result.workflows) == ["ops.daily_report"] and not result.errors


def test_a_rule_on_an_unknown_action_of_another_pack_fails_to_compile_at_the_rule(tmp_path: Path) -> None:
    from attune_provider.compiler import CompileError, compile_workflow

    root = _pack(tmp_path, {"other": "ref: other\ntrigger_ref: core.intervaltimer\naction_ref: elsewhere.missing\n"
                            "trigger_params: {interval: 60}\n"})  # fmt: skip
    spec = load_pack(root).workflows["ops.other"]
    with pytest.raises(CompileError) as raised:
        compile_workflow(spec)
    assert (Path(raised.value.location.file).name, raised.value.location.line) == ("other.yaml", 3)
