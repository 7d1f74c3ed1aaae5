"""The compiled forms of a template, each with ``evaluate(scope)`` (built by ``engine``).

* ``PathExpr``: ``{{ name.a['b'][0] }}`` resolved by direct lookups, no Jinja render.
* ``NativeExpr``: one expression of any shape, evaluated to its native value.
* ``TextTemplate``: mixed text, always a string within ``[attune] template_max_length``.

Loops, macros and blocks get a fresh ``limits`` budget per evaluation.
"""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import Undefined, missing

from attune_provider.expressions import limits
from attune_provider.expressions.sandbox import ENV as _env
from attune_provider.expressions.sandbox import UnknownName as _UnknownName
from attune_provider.expressions.sandbox import _ScopeContext

__all__ = ["NativeExpr", "PathExpr", "TextTemplate", "as_path", "single_expression"]


class PathExpr:
    """``{{ name.a['b'][0] }}``: resolved by direct lookups, no Jinja render."""

    __slots__ = ("name", "steps")

    def __init__(self, name: str, steps: tuple[tuple[bool, Any], ...]) -> None:
        self.name = name
        self.steps = steps  # (is_attribute, key)

    def evaluate(self, scope: Any) -> Any:
        value = scope.lookup(self.name, missing)
        if value is missing:
            raise _UnknownName(self.name)
        for is_attribute, key in self.steps:
            if is_attribute:
                if type(value) is dict:  # the common case, without the ABC check
                    try:
                        value = value[key]
                        continue
                    except KeyError:
                        pass
                value = _env.getattr(value, key)
            else:
                value = _env.getitem(value, key)
        return value


class NativeExpr:
    """A single expression of any shape, evaluated to its native value."""

    __slots__ = ("has_loops", "template")

    def __init__(self, template: jinja2.Template, has_loops: bool) -> None:
        self.template = template
        self.has_loops = has_loops

    def evaluate(self, scope: Any) -> Any:
        template = self.template
        context = _ScopeContext(_env, scope, None, template.blocks)
        token = limits.loop_budget() if self.has_loops else None
        try:
            for _ in template.root_render_func(context):
                pass
        finally:
            if token is not None:
                limits.reset_budget(token)
        value = context.vars["result"]
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        limits.check_built(value, "expression value")
        if isinstance(value, str) and type(value) is not str:
            value = str(value)  # Markup from |tojson etc.: plain text for actions and XCom
        return value


class TextTemplate:
    """Mixed text: always a string, at most ``[attune] template_max_length`` characters."""

    __slots__ = ("has_loops", "template")

    def __init__(self, template: jinja2.Template, has_loops: bool) -> None:
        self.template = template
        self.has_loops = has_loops

    def evaluate(self, scope: Any) -> str:
        template = self.template
        pieces = template.root_render_func(_ScopeContext(_env, scope, None, template.blocks))
        if not self.has_loops:
            text = "".join(pieces)
            limits.check_length(len(text))
            return text
        token = limits.loop_budget()
        try:
            limit = limits.template_limits().max_length
            parts: list[str] = []
            size = 0
            for piece in pieces:
                size += len(piece)
                if size > limit:
                    limits.check_length(size)
                parts.append(piece)
        finally:
            limits.reset_budget(token)
        return "".join(parts)


def single_expression(tree: nodes.Template) -> nodes.Expr | None:
    """The expression if the template is exactly one ``{{ expr }}`` plus whitespace."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    found: nodes.Expr | None = None
    for node in tree.body[0].nodes:
        if isinstance(node, nodes.TemplateData):
            if node.data.strip():
                return None
        elif found is not None:
            return None
        else:
            found = node
    return found


def as_path(expr: nodes.Expr) -> PathExpr | None:
    steps: list[tuple[bool, Any]] = []
    while True:
        if isinstance(expr, nodes.Getattr):
            steps.append((True, expr.attr))
            expr = expr.node
        elif (
            isinstance(expr, nodes.Getitem)
            and isinstance(expr.arg, nodes.Const)
            and type(expr.arg.value) in (str, int)
        ):
            steps.append((False, expr.arg.value))
            expr = expr.node
        elif isinstance(expr, nodes.Name) and expr.ctx == "load":
            return PathExpr(expr.name, tuple(reversed(steps)))
        else:
            return None
