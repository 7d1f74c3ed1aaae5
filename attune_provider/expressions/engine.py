"""Sandboxed native Jinja2 rendering of attune templates (docs/expressions.md).

* Templates run in the sandbox of ``sandbox.py`` (attune's lookup rules, ``null``, integer
  division, resource bounds).
* A string that is exactly one ``{{ expr }}`` (surrounding whitespace allowed) evaluates to
  the expression's native value (list, dict, number, bool, None). Mixed text is a string
  in which lists/dicts appear as compact JSON, None as "" and booleans as true/false.
  Unlike ``jinja2.nativetypes`` nothing is ``literal_eval``-ed: ``"{{ '123' }}"`` stays text.
* ``evaluate_expression`` evaluates text *without* braces as one expression (attune's bare
  ``when: succeeded() and result().code == 200``).
* Compiled templates are cached by text (LRU). A pure path such as ``{{ item.url }}`` or
  ``{{ task.fetch.items[0] }}`` skips Jinja at render time: the path is parsed once and
  resolved by direct lookups with the same rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.parser import Parser
from jinja2.runtime import missing

from attune_provider.expressions import limits
from attune_provider.expressions.compiled import NativeExpr as _NativeExpr
from attune_provider.expressions.compiled import PathExpr as _PathExpr
from attune_provider.expressions.compiled import TextTemplate as _TextTemplate
from attune_provider.expressions.compiled import as_path as _as_path
from attune_provider.expressions.compiled import single_expression as _single_expression
from attune_provider.expressions.context import CALL_PREFIX, WorkflowContext
from attune_provider.expressions.errors import ExpressionError, ExpressionSyntaxError, UndefinedNameError
from attune_provider.expressions.functions import FUNCTIONS
from attune_provider.expressions.sandbox import ENV as _env
from attune_provider.expressions.sandbox import UnknownName as _UnknownName
from attune_provider.expressions.sandbox import rewrite
from attune_provider.expressions.text_rules import is_template

__all__ = [
    "ExpressionError",
    "ExpressionSyntaxError",
    "UndefinedNameError",
    "check_template",
    "evaluate_expression",
    "has_template",
    "is_expression",
    "referenced_tasks",
    "render",
]

TEMPLATE_CACHE_SIZE = 4096
_TASK_NAMESPACES = frozenset({"task", "tasks"})
_ITEM_HINTS = {
    "item": " (item exists only inside a with_items task)",
    "index": " (index exists only inside a with_items task)",
}
has_template = is_template  # the one "is this a template" predicate (text_rules.is_template)


class _MappingScope:
    """Lets a plain mapping stand in for a WorkflowContext (tests, ad-hoc rendering)."""

    __slots__ = ("_mapping",)

    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self._mapping = mapping

    def lookup(self, name: str, default: Any = missing) -> Any:
        if name.startswith(CALL_PREFIX):
            name = name[len(CALL_PREFIX) :]
        try:
            return self._mapping[name]
        except KeyError:
            return FUNCTIONS.get(name, default)


# ---------------------------------------------------------------------------- parsing
def _syntax_error(exc: jinja2.TemplateSyntaxError, text: str) -> ExpressionSyntaxError:
    return ExpressionSyntaxError(
        f"template syntax error at line {exc.lineno}: {exc.message}", exc.lineno, expression=text
    )


def _parse(text: str) -> nodes.Template:
    try:
        return _env.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc, text) from exc


def check_template(text: str) -> None:
    """Parse and compile ``text`` (load time, reference 10.6).

    Raises ExpressionSyntaxError(message, lineno) for syntax errors and for unknown filters or
    tests (``{{ x | lenght }}``), which Jinja only detects when compiling. The compiled
    template lands in the render cache.
    """
    _compile(text)


_TASK_REF_RE = re.compile(r"\btasks?\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*(['\"])(.*?)\2\s*\])")


def referenced_tasks(text: str) -> set[str]:
    """Task names read through ``task.x``, ``tasks.x`` or ``task['x']`` in ``text``.

    Unparseable text falls back to a regex scan so callers can still warn about names.
    """
    try:
        tree = _parse(text)
    except ExpressionSyntaxError:
        return {m.group(1) or m.group(3) for m in _TASK_REF_RE.finditer(text)}
    found: set[str] = set()
    node: Any
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        base = node.node
        if not (isinstance(base, nodes.Name) and base.name in _TASK_NAMESPACES):
            continue
        if isinstance(node, nodes.Getattr):
            found.add(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            found.add(node.arg.value)
    return found


# -------------------------------------------------------------------------- compiling
def _native(expr: nodes.Expr, text: str, has_loops: bool) -> _NativeExpr:
    body = nodes.Template([nodes.Assign(nodes.Name("result", "store"), expr, lineno=1)], lineno=1)
    body.set_environment(_env)
    return _NativeExpr(_from_tree(body, text), has_loops)


def _build(text: str, *, fast_path: bool = True) -> _PathExpr | _NativeExpr | _TextTemplate:
    """Compile ``text``; ``fast_path=False`` forces Jinja even for pure paths (tests compare both)."""
    tree, has_loops = rewrite(_parse(text))
    expr = _single_expression(tree)
    if expr is not None:
        path = _as_path(expr) if fast_path else None
        if path is not None:
            return path
        return _native(expr, text, has_loops)
    return _TextTemplate(_from_tree(tree, text), has_loops)


def _parse_expression(text: str) -> nodes.Expr:
    """``text`` as exactly one expression (no braces); ExpressionSyntaxError otherwise."""
    try:
        parser = Parser(_env, text, state="variable")
        expr = parser.parse_expression()
        if parser.stream.current.type != "eof":
            parser.fail(f"unexpected {parser.stream.current.value!r} after the expression")
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc, text) from exc
    return expr


@functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _build_expression(text: str) -> _PathExpr | _NativeExpr:
    expr, has_loops = rewrite(_parse_expression(text))
    return _as_path(expr) or _native(expr, text, has_loops)


def is_expression(text: Any) -> bool:
    """Whether ``text`` (without braces) parses as one expression, e.g. ``succeeded()``."""
    if not isinstance(text, str) or not text.strip() or is_template(text):
        return False
    try:
        _build_expression(text)
    except ExpressionSyntaxError:
        return False
    return True


def _from_tree(tree: nodes.Template, text: str) -> jinja2.Template:
    try:
        return _env.from_string(tree)
    except jinja2.TemplateSyntaxError as exc:  # unknown filter/test (TemplateAssertionError)
        raise _syntax_error(exc, text) from exc


_compile = functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)(_build)


# --------------------------------------------------------------------------- rendering
class _Failure(Exception):
    """Internal: carries the failing template and the key path while the error unwinds."""

    def __init__(self, error: Exception, text: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.text = text
        self.path: list[Any] = []


def _scope_of(ctx: Any) -> Any:
    if isinstance(ctx, WorkflowContext) or hasattr(ctx, "lookup"):
        return ctx
    if isinstance(ctx, Mapping):
        return _MappingScope(ctx)
    raise TypeError(f"render() needs a WorkflowContext or a mapping, got {type(ctx).__name__}")


_MAPPING_TYPES = frozenset({dict, MappingProxyType})
_SEQUENCE_TYPES = frozenset({list, tuple})


def _render_text(text: str, scope: Any) -> Any:
    if is_template(text):
        try:
            return _compile(text).evaluate(scope)
        except Exception as exc:
            raise _Failure(exc, text) from exc
    return text


def _render(value: Any, scope: Any) -> Any:
    # Exact-type checks first: this runs once per item of a fan-out, ABC checks are the slow part.
    kind = type(value)
    if kind is str:
        return _render_text(value, scope)
    if kind in _MAPPING_TYPES or (kind not in _SEQUENCE_TYPES and isinstance(value, Mapping)):
        out: dict[Any, Any] = {}
        for key, element in value.items():
            try:
                out[key] = _render_text(element, scope) if type(element) is str else _render(element, scope)
            except _Failure as failure:
                failure.path.append(key)
                raise
        return out
    if kind in _SEQUENCE_TYPES:
        items: list[Any] = []
        for position, element in enumerate(value):
            try:
                items.append(
                    _render_text(element, scope) if type(element) is str else _render(element, scope)
                )
            except _Failure as failure:
                failure.path.append(position)
                raise
        return items
    if isinstance(value, str):
        return _render_text(value, scope)
    return value


def _format_path(path: list[Any]) -> str:
    text = ""
    for key in reversed(path):
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def _translate(failure: _Failure, where: str) -> ExpressionError:
    """The public exception for a failure, naming the expression, ``where`` and the key path."""
    error, text = failure.error, failure.text
    location = where
    if failure.path:
        location = (
            f"{where} at {_format_path(failure.path)!r}" if where else f"at {_format_path(failure.path)!r}"
        )
    prefix = f"{location}: " if location else ""
    if isinstance(error, _UnknownName):
        hint = _ITEM_HINTS.get(error.name, "")
        message = f"{prefix}unknown name {error.name!r}{hint} in expression {text!r}"
        return UndefinedNameError(error.name, message, expression=text, where=where)
    if isinstance(error, ExpressionSyntaxError):
        return ExpressionSyntaxError(f"{prefix}{error.message} in {text!r}", error.lineno, expression=text)
    if isinstance(error, limits.TemplateLimitError):
        return limits.TemplateLimitError(
            f"{prefix}{error.message} in expression {text!r}",
            setting=error.setting,
            limit=error.limit,
            expression=text,
            where=where,
        )
    problem = error.message if isinstance(error, ExpressionError) else f"{type(error).__name__}: {error}"
    return ExpressionError(f"{prefix}{problem} in expression {text!r}", expression=text, where=where)


def render(value: Any, ctx: WorkflowContext | Mapping[str, Any], *, where: str = "") -> Any:
    """Render ``value`` (a template string, or dicts/lists/tuples of them) against ``ctx``.

    Raises ExpressionError (UndefinedNameError, ExpressionSyntaxError) naming the expression,
    ``where`` (e.g. ``"task 'x' field 'input'"``) and the key path inside ``value``.
    """
    try:
        return _render(value, _scope_of(ctx))
    except _Failure as failure:
        raise _translate(failure, where) from failure.error


def evaluate_expression(text: str, ctx: WorkflowContext | Mapping[str, Any], *, where: str = "") -> Any:
    """Evaluate ``text`` (no braces) as one expression, like attune's ``eval_expression``.

    Raises ExpressionSyntaxError when ``text`` is not one expression, and the same located
    errors as ``render`` when evaluating it fails.
    """
    try:
        compiled = _build_expression(text)
    except ExpressionSyntaxError as exc:
        raise _translate(_Failure(exc, text), where) from exc
    try:
        return compiled.evaluate(_scope_of(ctx))
    except Exception as exc:
        raise _translate(_Failure(exc, text), where) from exc
