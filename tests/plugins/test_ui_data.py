"""Issue 23's data functions without a DB: result size by reference, the duration strip, the run
note, the full_value link, the task's YAML block, the required enum (fast tier)."""

from __future__ import annotations

import json

from attune_provider.compiler.params import param_schema
from attune_provider.plugins.decision_data import Decision, attune_task_name, is_routing_task
from attune_provider.plugins.items_data import STRIP_BARS, ItemList, _fill_strip, result_size
from attune_provider.plugins.items_view import strip_svg
from attune_provider.plugins.run_notes import run_note
from attune_provider.plugins.views import linkify
from attune_provider.plugins.workflow_data import SourceFile, mark_tasks
from attune_provider.spec.model import Location, ParameterSpec


def test_result_size_reads_the_reference_not_the_value():
    reference = {"__attune_ref__": 1, "key": "ab" * 32, "path": [], "kind": "list", "len": 10, "bytes": 123456}
    assert result_size(json.dumps(reference)) == ("reference", 123456)
    assert result_size(reference) == ("reference", 123456)
    assert result_size('{"succeeded": true}') == ("inline", len('{"succeeded": true}'))


def test_the_strip_groups_10000_items_into_bars_keeping_the_worst_state_and_longest_duration():
    rows = [(i, "success", 0.1) for i in range(10_000)]
    rows[4321] = (4321, "failed", 0.1)
    rows[9000] = (9000, "success", 30.0)
    items = ItemList("d", "r", "t", total=10_000)
    _fill_strip(items, rows)
    assert len(items.strip) == STRIP_BARS
    failed = [b for b in items.strip if b.state == "failed"]
    assert len(failed) == 1 and failed[0].first <= 4321 <= failed[0].last
    slow = max(items.strip, key=lambda b: b.duration)
    assert slow.first <= 9000 <= slow.last and slow.duration == 30.0
    assert items.states == {"success": 9_999, "failed": 1} and items.max_duration == 30.0
    svg = strip_svg(items)
    assert svg.count("<rect ") == STRIP_BARS and "items 4300-4324: failed" in svg


def test_run_note_lists_only_handled_failures():
    decisions = [
        Decision("probe.route", "failed", "item 2: seconds must be >= 0", ["recover"]),
        Decision("report.run", "succeeded", None, ["next"]),
        Decision("lost.run", "failed", "boom", []),  # unhandled: the run fails, no "handled" line
    ]
    note = run_note(decisions)
    assert note == "attune: 1 handled failure\n- probe failed: item 2: seconds must be >= 0 -> recover"
    assert run_note(decisions[1:]) is None


def test_routing_tasks_are_recognised_by_their_step():
    assert is_routing_task("check_health.route") and not is_routing_task("check_health.run")
    assert attune_task_name("check_health.run") == "check_health"
    assert attune_task_name("end") is None and not is_routing_task("route")


def test_full_value_is_a_link_to_the_result_tab_under_the_base_url():
    text = "&quot;Attune result tab: /dags/examples.x/runs/manual__1/tasks/a.run/mapped/2/plugin/attune-result&quot;"
    html = linkify(text)
    assert "<a target='_top' href='../dags/examples.x/runs/manual__1/tasks/a.run/mapped/2/plugin/attune-result'>" in html
    assert linkify("no link here") == "no link here"


def test_the_asked_tasks_yaml_block_is_marked(tmp_path):
    path = tmp_path / "wf.yaml"
    text = "tasks:\n  - name: a\n    action: core.noop\n\n  - name: b\n    action: core.echo\n\n"
    path.write_text(text)
    tasks = [_Task("a", Location(str(path), 2)), _Task("b", Location(str(path), 5))]
    source = SourceFile(str(path), text)
    mark_tasks(source, tasks, "a")
    assert source.highlight == (2, 3) and source.task_starts == {2: "a", 5: "b"}
    mark_tasks(source, tasks, "b")
    assert source.highlight == (5, 6)


class _Task:
    def __init__(self, name: str, location: Location) -> None:
        self.name, self.location = name, location


def test_a_required_enum_offers_no_null_an_optional_one_does():
    required = ParameterSpec(name="mode", type="string", required=True, has_default=True, default="fast",
                             enum=("fast", "thorough"))
    optional = ParameterSpec(name="mode", type="string", enum=("fast", "thorough"))
    assert param_schema(required)["enum"] == ["fast", "thorough"]
    assert param_schema(optional)["enum"] == ["fast", "thorough", None]
