"""reference 10.2 namespaces, reference 6.1/6.2 item contexts, reference 5.7 outcome functions."""

from __future__ import annotations

import sys

import pendulum
import pytest

from attune_provider.expressions import (
    AirflowVariableKeystore,
    ExpressionError,
    ResultResolver,
    UndefinedNameError,
    WorkflowContext,
    render,
    system_values,
)
from tests.expressions.views import CountingResolver, wrap

START = pendulum.datetime(2026, 1, 2, 3, 4, 5, tz="UTC")
SYSTEM = {
    "workflow_start": START,
    "run_id": "manual__1",
    "dag_id": "pack.flow",
    "logical_date": START,
    "data_interval_start": START.subtract(days=1),
    "data_interval_end": START,
    "try_number": 2,
}


@pytest.fixture
def ctx() -> WorkflowContext:
    return WorkflowContext(
        parameters={"env": "prod"},
        variables={"status": "green", "deployed": ["eu"]},
        results={"build": {"succeeded": True, "exit_code": 0, "data": {"artifact": "a.tgz"}}},
        system=SYSTEM,
        config={"base_url": "http://x"},
        keystore={"token": "t0k"},
        inquiry={"approve": {"response": {"approved": True}}},
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ parameters.env }}", "prod"),
        ("{{ workflow.status }}", "green"),
        ("{{ vars.status }}", "green"),
        ("{{ variables.status }}", "green"),
        ("{{ status }}", "green"),
        ("{{ deployed[0] }}", "eu"),
        ("{{ task.build.artifact }}", "a.tgz"),
        ("{{ tasks.build.artifact }}", "a.tgz"),
        ("{{ task['build'].exit_code }}", 0),
        ("{{ config.base_url }}", "http://x"),
        ("{{ keystore.token }}", "t0k"),
        ("{{ inquiry.approve.response.approved }}", True),
        ("{{ system.run_id }}", "manual__1"),
        ("{{ system.dag_id }}", "pack.flow"),
        ("{{ system.try_number }}", 2),
        ("{{ system.workflow_start.year }}", 2026),
        ("{{ system.logical_date }}", START),
        ("{{ system.data_interval_start.day }}", 1),
        ("{{ system.data_interval_end.isoformat() }}", START.isoformat()),
    ],
)
def test_namespaces_and_aliases(ctx: WorkflowContext, template: str, expected: object) -> None:
    assert render(template, ctx) == expected


def test_item_and_index(ctx: WorkflowContext) -> None:
    item_ctx = ctx.with_item({"url": "http://h/1"}, 4)
    assert render({"u": "{{ item.url }}", "i": "{{ index }}"}, item_ctx) == {"u": "http://h/1", "i": 4}
    batch_ctx = ctx.with_item(["a", "b"], 1)  # batch_size > 1: item is the batch's list
    assert render("{{ item | join(',') }}#{{ index }}", batch_ctx) == "a,b#1"
    assert item_ctx.item == {"url": "http://h/1"} and item_ctx.index == 4 and item_ctx.has_item
    assert not ctx.has_item
    with pytest.raises(AttributeError):
        _ = ctx.item


def test_reserved_namespaces_win_over_variables() -> None:
    ctx = WorkflowContext(
        parameters={"p": 1}, variables={"parameters": "shadow?", "item": "x", "task": 1, "plain": 2}
    )
    assert render("{{ parameters.p }}", ctx) == 1
    assert render("{{ plain }}", ctx) == 2
    with pytest.raises(UndefinedNameError):
        render("{{ item }}", ctx)  # item is reserved even when a variable has its name
    assert render("{{ workflow.item }}", ctx) == "x"  # still reachable through the namespace


def test_variables_win_over_functions_as_bare_names() -> None:
    ctx = WorkflowContext(variables={"uuid": "fixed"})
    assert render("{{ uuid }}", ctx) == "fixed"
    assert render("{{ uuid() }}", ctx) != "fixed"


def test_lookup_order_is_documented() -> None:
    from attune_provider.expressions import context

    doc = context.__doc__ or ""
    assert "first match wins" in doc and "variables by bare name" in doc


def test_resolver_is_called_only_for_referenced_tasks() -> None:
    results = {f"t{i}": {"succeeded": True, "data": {"v": i}} for i in range(50)}
    resolver = CountingResolver(results)
    assert isinstance(resolver, ResultResolver)
    ctx = WorkflowContext(results=resolver)
    value = render({"a": "{{ task.t3.v }}", "b": "{{ task.t7.v + tasks.t3.v }}", "c": "x"}, ctx)
    assert value == {"a": 3, "b": 10, "c": "x"}
    assert sorted(resolver.calls) == ["t3", "t7"]  # t3 resolved once, cached for the run
    for i in range(5):  # item contexts share the run's cache
        render("{{ task.t3.v }}", ctx.with_item(i, i))
    assert sorted(resolver.calls) == ["t3", "t7"]


def test_resolver_key_error_is_a_missing_key() -> None:
    ctx = WorkflowContext(results=CountingResolver({}))
    assert render("{{ task.skipped_task }}", ctx) is None
    assert render("{{ task.skipped_task.x }}", ctx) is None


def test_rendering_reads_only_what_the_template_touches() -> None:
    reads: list[object] = []
    big = wrap(
        {"succeeded": True, "data": {"rows": [{"id": i, "blob": "x" * 100} for i in range(1000)]}}, reads
    )
    ctx = WorkflowContext(results={"load": big})
    assert render("{{ task.load.rows[999].id }}", ctx) == 999
    assert len(reads) <= 5  # stored['rows'?], data, rows, [999], id — not 1000 rows
    assert 0 not in reads


def test_with_item_is_o1_and_shares_everything(ctx: WorkflowContext) -> None:
    item_ctx = ctx.with_item({"n": 1}, 0)
    assert item_ctx._scope is ctx._scope  # one shared run scope, never copied
    assert item_ctx.parameters is ctx.parameters
    assert item_ctx.variables is ctx.variables
    assert item_ctx.tasks is ctx.tasks
    assert item_ctx.system is ctx.system
    assert not hasattr(item_ctx, "__dict__")  # __slots__ only
    assert sys.getsizeof(item_ctx) < 100
    nested = item_ctx.with_item({"n": 2}, 1)
    assert nested._scope is ctx._scope and nested.item == {"n": 2}
    assert item_ctx.item == {"n": 1}  # the original item context is unchanged


def test_with_outcome_drives_outcome_functions(ctx: WorkflowContext) -> None:
    stored = {"succeeded": False, "exit_code": 1, "error": "boom", "data": {"status": "error"}}
    for status in ("succeeded", "failed", "timed_out", "cancelled"):
        out = ctx.with_outcome(status, stored)
        flags = render("{{ [succeeded(), failed(), timed_out(), cancelled()] }}", out)
        assert flags == [status == s for s in ("succeeded", "failed", "timed_out", "cancelled")]
        assert out.outcome == status
        assert out._scope is ctx._scope
    out = ctx.with_outcome("failed", stored)
    assert render("{{ result().status }}", out) == "error"
    assert render("{{ result().error }}", out) == "boom"
    assert render("{{ result().result.status }}", out) == "error"
    assert ctx.outcome is None
    with pytest.raises(ValueError):
        ctx.with_outcome("exploded", None)


def test_outcome_functions_outside_transitions_are_errors(ctx: WorkflowContext) -> None:
    for template in ("{{ succeeded() }}", "{{ result() }}"):
        with pytest.raises(ExpressionError, match="transitions"):
            render(template, ctx)


def test_with_item_keeps_outcome_and_with_variables_replaces_only_variables(ctx: WorkflowContext) -> None:
    out = ctx.with_outcome("succeeded", {"succeeded": True, "data": 1}).with_item("i", 0)
    assert render("{{ succeeded() }} {{ item }}", out) == "true i"
    newer = ctx.with_variables({"status": "red"})
    assert render("{{ status }} {{ workflow.status }} {{ parameters.env }}", newer) == "red red prod"
    assert render("{{ status }}", ctx) == "green"
    assert newer.tasks is ctx.tasks


def test_context_is_a_read_only_mapping(ctx: WorkflowContext) -> None:
    assert ctx["parameters"] is ctx.parameters
    assert "status" in ctx and "nope" not in ctx
    assert {"parameters", "workflow", "task", "status", "length"} <= set(ctx)
    with pytest.raises(TypeError):
        ctx["x"] = 1  # type: ignore[index]


def test_lazy_views_as_namespaces() -> None:
    ctx = WorkflowContext(parameters=wrap({"items": [{"u": "a"}]}), variables=wrap({"v": {"k": 1}}))
    assert render("{{ parameters.items[0].u }} {{ v.k }} {{ length(parameters.items) }}", ctx) == "a 1 1"


def test_airflow_variable_keystore_reads_lazily_and_masks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_ATTUNE_TEST_TOKEN", "s3cr3t-value-xyz")
    keystore = AirflowVariableKeystore()
    ctx = WorkflowContext(keystore=keystore)
    assert render("Bearer {{ keystore.attune_test_token }}", ctx) == "Bearer s3cr3t-value-xyz"
    assert render("{{ keystore.no_such_variable_here }}", ctx) is None
    from airflow.sdk._shared.secrets_masker.secrets_masker import _secrets_masker

    redacted = _secrets_masker().redact("token=s3cr3t-value-xyz")
    assert "s3cr3t-value-xyz" not in redacted and "***" in redacted


def test_system_values_from_an_airflow_context() -> None:
    class Obj:
        def __init__(self, **kw: object) -> None:
            self.__dict__.update(kw)

    airflow_context = {
        "run_id": "r1",
        "dag": Obj(dag_id="pack.flow"),
        "dag_run": Obj(start_date=START, run_id="r1", dag_id="pack.flow", run_type="manual"),
        "ti": Obj(try_number=3, task_id="a.run", map_index=-1),
        "logical_date": START,
        "data_interval_start": START,
        "data_interval_end": START.add(days=1),
    }
    values = system_values(airflow_context)
    assert values["workflow_start"] == START and values["dag_id"] == "pack.flow" and values["try_number"] == 3
    assert set(SYSTEM) <= set(values)
