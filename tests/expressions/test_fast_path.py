"""The fast path (pure ``{{ a.b[0] }}`` paths resolved without Jinja) must equal the Jinja path."""

from __future__ import annotations

import random
from types import MappingProxyType
from typing import Any

import pytest

from attune_provider.expressions import WorkflowContext, engine, render
from attune_provider.expressions.functions import to_plain
from attune_provider.expressions.result_view import ResultView
from tests.expressions.views import wrap

ITEM = {"url": "http://h", "health_url": "http://h/health", "tags": ["a", "b"], "items": [1], "n": None}
RESULTS = {
    "fetch_data": {"succeeded": True, "exit_code": 0, "data": {"items": [{"id": 1}, {"id": 2}], "keys": "k"}},
    "lazy": wrap({"succeeded": True, "exit_code": 0, "data": {"rows": [{"v": 1}], "items": "lazy-items"}}),
    "loop": [{"succeeded": True, "data": {"u": "x"}}, {"succeeded": False, "data": None}],
}
CTX = WorkflowContext(
    parameters=MappingProxyType(
        {"x": 1, "nested": {"a": {"b": [10, 20, {"c": "deep"}]}}, "items": "p-items"}
    ),
    variables={"a": {"b": [0, {"c": 5}]}, "plain": "v", "num_keys": {1: "one"}},
    results=RESULTS,
    system={"run_id": "r"},
).with_item(ITEM, 7)

PATHS = [
    "item.url",
    "item.health_url",
    "item['tags'][1]",
    "item.items",
    "item.n",
    "item.missing",
    "item.tags[5]",
    "index",
    "task.fetch_data.items",
    "task.fetch_data.items[1].id",
    "task.fetch_data.data.items[0]['id']",
    "task.fetch_data.result.keys",
    "task.fetch_data.exit_code",
    "tasks.lazy.rows[0].v",
    "task.lazy.items",
    "task.loop[0].u",
    "task.loop[1].result",
    "task.unknown_task",
    "task.unknown_task.deeper",
    "parameters.x",
    "parameters.items",
    "parameters.nested.a.b[2].c",
    "parameters.nested['a']['b'][0]",
    "workflow.a.b[0]",
    "workflow.a.b[1].c",
    "vars.plain",
    "variables.num_keys[1]",
    "plain",
    "a.b",
    "system.run_id",
    "system.nope",
    "length",
    "item.url.upper",
]
ERRORS = [
    "nope",
    "nope.x",
    "item.__class__",
    "parameters.x.__class__",
    "item.tags.append",
    "item['__class__']",
]


def _slow(text: str, ctx: Any) -> Any:
    return engine._build(text, fast_path=False).evaluate(ctx)


def _fast(text: str, ctx: Any) -> Any:
    compiled = engine._compile(text)
    assert isinstance(compiled, engine._PathExpr), "expected the fast path"
    return compiled.evaluate(ctx)


def _same(a: Any, b: Any) -> bool:
    if callable(a) and callable(b):
        return a == b or (getattr(a, "__func__", a) == getattr(b, "__func__", b))
    return a is b or (to_plain(a) == to_plain(b) and type(a) is type(b))


@pytest.mark.parametrize("path", PATHS)
def test_fast_path_equals_jinja(path: str) -> None:
    text = "{{ " + path + " }}"
    fast, slow = _fast(text, CTX), _slow(text, CTX)
    assert _same(fast, slow), (fast, slow)
    if not callable(fast):
        assert _same(render(text, CTX), slow)


@pytest.mark.parametrize("path", ERRORS)
def test_fast_path_raises_like_jinja(path: str) -> None:
    text = "{{ " + path + " }}"
    with pytest.raises(Exception) as slow_info:
        _slow(text, CTX)
    with pytest.raises(Exception) as fast_info:
        _fast(text, CTX)
    assert type(fast_info.value) is type(slow_info.value)


def _random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(6 if depth < 3 else 3)
    if kind == 0:
        return rng.randrange(100)
    if kind == 1:
        return rng.choice(["s", "", None, True])
    if kind == 2:
        return rng.random()
    keys = rng.sample(["a", "b", "items", "keys", "get", "result", "data", "x"], rng.randrange(1, 5))
    if kind == 3:
        return {k: _random_value(rng, depth + 1) for k in keys}
    if kind == 4:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return wrap({k: _random_value(rng, depth + 1) for k in keys})


def _random_path(rng: random.Random) -> str:
    path = rng.choice(["parameters", "workflow", "item", "task.t"])
    for _ in range(rng.randrange(5)):
        step = rng.choice(["a", "b", "items", "keys", "get", "result", "data", "missing", 0, 1, 3])
        if isinstance(step, int):
            path += f"[{step}]"
        else:
            path += rng.choice([f".{step}", f"['{step}']"])
    return path


def test_fast_path_equals_jinja_on_random_structures() -> None:
    rng = random.Random(20261127)
    compared = 0
    for _ in range(40):
        ctx = WorkflowContext(
            parameters=_random_value(rng, 0) if rng.random() < 0.5 else {"a": _random_value(rng, 1)},
            variables={"a": _random_value(rng, 1), "b": _random_value(rng, 1)},
            results={"t": {"succeeded": True, "data": _random_value(rng, 1)}},
        ).with_item(_random_value(rng, 0), 0)
        for _ in range(25):
            text = "{{ " + _random_path(rng) + " }}"
            try:
                slow = _slow(text, ctx)
            except Exception as exc:
                with pytest.raises(type(exc)):
                    _fast(text, ctx)
                continue
            assert _same(_fast(text, ctx), slow), text
            compared += 1
    assert compared > 500


def test_non_paths_do_not_take_the_fast_path() -> None:
    for text in ["{{ item.url | upper }}", "{{ item.tags[index] }}", "{{ length(item) }}", "x{{ item.url }}"]:
        assert not isinstance(engine._compile(text), engine._PathExpr)


def test_result_view_through_fast_path() -> None:
    assert isinstance(render("{{ task.fetch_data }}", CTX), ResultView)
