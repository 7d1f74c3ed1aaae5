"""Graph checks (reference 5.1, 5.6): back edges, reachability, wait_for inside a cycle."""

from __future__ import annotations

from attune_provider.spec.graph import analyse_graph, entry_points
from attune_provider.spec.model import TaskSpec, Transition


def tasks(**edges: str) -> list[TaskSpec]:
    """tasks(a="b c", b="a") -> tasks with one unconditional transition each."""
    return [
        TaskSpec(name=name, next=(Transition(do=tuple(targets.split())),) if targets else ())
        for name, targets in edges.items()
    ]


def test_acyclic_graph_has_no_back_edges():
    findings = analyse_graph(tasks(a="b c", b="d", c="d", d=""))
    assert findings.back_edges == () and findings.unreachable == ()


def test_entry_points_in_document_order_none_when_every_task_has_an_inbound_edge():
    # attune graph.rs: entry points are tasks with no inbound edge, self and cycle edges count
    assert entry_points(tasks(a="c", b="c", c="")) == ["a", "b"]
    assert entry_points(tasks(a="b", b="a")) == []
    assert entry_points(tasks(a="", b="b")) == ["a"]


def test_back_edge_is_the_edge_to_a_task_on_the_stack():
    findings = analyse_graph(tasks(a="b", b="c", c="a d", d=""))
    assert [(e.source, e.target) for e in findings.back_edges] == [("c", "a")]


def test_self_loop_is_a_back_edge():
    findings = analyse_graph(tasks(check="process check", process=""))
    assert [(e.source, e.target) for e in findings.back_edges] == [("check", "check")]


def test_cross_edge_to_finished_task_is_not_a_back_edge():
    findings = analyse_graph(tasks(a="b c", b="d", c="d", d=""))
    assert findings.back_edges == ()


def test_document_order_decides_which_edge_is_dropped():
    # every task has an inbound edge: the walk starts at the first task in the file
    assert [(e.source, e.target) for e in analyse_graph(tasks(x="y", y="x")).back_edges] == [("y", "x")]
    assert [(e.source, e.target) for e in analyse_graph(tasks(y="x", x="y")).back_edges] == [("x", "y")]


def test_unreachable_cycle_is_reported_and_still_broken():
    findings = analyse_graph(tasks(a="", b="c", c="b"))
    assert findings.unreachable == ("b", "c")
    assert [(e.source, e.target) for e in findings.back_edges] == [("c", "b")]


def test_loader_records_back_edges_and_warns(load):
    wf = load(
        """
        tasks:
          - name: check
            next:
              - when: "{{ succeeded() }}"
                do: [process]
              - when: "{{ failed() }}"
                do: [check]
          - name: process
        """
    )
    assert wf.back_edges == (("check", "check"),)
    warning = wf.warnings[0]
    assert warning.code == "back-edge" and warning.location.line == 6
    assert "from task 'check' to task 'check'" in warning.message
    assert [edge[:2] for edge in wf.forward_edges()] == [("check", "process")]
    # attune graph.rs test_cycle_support: the self edge makes check no entry point; nothing runs
    assert wf.entry_tasks() == ()
    assert [w.code for w in wf.warnings[1:]] == ["unreachable", "unreachable"]


def test_loader_warns_about_unreachable_tasks(load):
    wf = load("tasks:\n  - name: a\n  - name: b\n    on_success: c\n  - name: c\n    on_success: b\n")
    assert wf.unreachable_tasks == ("b", "c")
    assert sorted(w.code for w in wf.warnings) == ["back-edge", "unreachable", "unreachable"]


def test_wait_for_inside_cycle_is_an_error(load_errors):
    error = load_errors(
        """
        tasks:
          - name: first
            wait_for: {inquiry: 42}
            next:
              - do: [second]
          - name: second
            next:
              - do: [first]
        """
    )
    (spec_error,) = error.errors
    assert spec_error.location.line == 3
    assert "task 'first' waits for an inquiry (wait_for) but sits on a cycle" in spec_error.message


def test_wait_for_outside_cycle_is_fine(load):
    wf = load("tasks:\n  - name: a\n    on_success: b\n  - name: b\n    wait_for: {inquiry: 1}\n")
    assert wf.task("b").wait_for.inquiry == 1
