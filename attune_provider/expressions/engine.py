"""Sandboxed native Jinja2 rendering of attune templates (SPEC 10).

* Templates run in an ``ImmutableSandboxedEnvironment``: no private attributes, no
  mutation of lists/dicts, bounded ``range`` and ``**``.
* A string that is exactly one ``{{ expr }}`` (surrounding whitespace allowed) evaluates to
  the expression's native value (list, dict, number, bool, None). Mixed text is a string
  in which lists/dicts appear as compact JSON, None as "" and booleans as true/false.
  Unlike ``jinja2.nativetypes`` nothing is ``literal_eval``-ed: ``"{{ '123' }}"`` stays text.
* ``obj.name`` on a mapping reads the key first (``task.x.items`` is the key ``items``,
  not ``dict.items``), falling back to the attribute (``d.keys()``) when there is no such key.
  A missing key or index renders as None; an unknown top-level name is an error.
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
from jinja2.runtime import Context, Undefined, missing
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, SecurityError

from attune_provider.expressions.context import CALL_PREFIX, OUTCOME_FUNCTIONS, WorkflowContext
from attune_provider.expressions.errors import ExpressionError, ExpressionSyntaxError, UndefinedNameError
from attune_provider.expressions.functions import (
    FALSE_TEXT,
    FUNCTIONS,
    TRUE_TEXT,
    is_sequence,
    to_plain,
    to_text,
)

__all__ = [
    "ExpressionError",
    "ExpressionSyntaxError",
    "UndefinedNameError",
    "check_template",
    "evaluate_condition",
    "has_template",
    "referenced_tasks",
    "render",
]

TEMPLATE_CACHE_SIZE = 4096
MAX_EXPONENT = 1024
_TASK_NAMESPACES = frozenset({"task", "tasks"})
_CALLABLE_NAMES = frozenset(FUNCTIONS) | OUTCOME_FUNCTIONS
_MARKERS = ("{{", "{%", "{#")
_ITEM_HINTS = {
    "item": " (item exists only inside a with_items task)",
    "index": " (index exists only inside a with_items task)",
}


class _UnknownName(jinja2.UndefinedError):
    """Internal: an unknown top-level name was used; carries the name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} is undefined")
        self.name = name


class _StrictUndefined(jinja2.StrictUndefined):
    """Any use of an unknown top-level name fails; ``is defined`` and ``default`` still work."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        if self._undefined_obj is missing and self._undefined_hint is None and self._undefined_name:
            raise _UnknownName(self._undefined_name)
        return super()._fail_with_undefined_error(*args, **kwargs)


# Jinja binds the operator dunders (``__add__``, ``__bool__``, ...) to the base method at class
# creation; point them at the override so every use of an unknown name reports the name.
for _name, _value in {**vars(Undefined), **vars(jinja2.StrictUndefined)}.items():
    if _value is Undefined._fail_with_undefined_error and _name != "_fail_with_undefined_error":
        setattr(_StrictUndefined, _name, _StrictUndefined._fail_with_undefined_error)
del _name, _value


def _defined_or_none(value: Any) -> Any:
    """Missing key -> None (SPEC 10.5); unsafe attribute -> SecurityError right away."""
    if isinstance(value, Undefined):
        if value._undefined_exception is SecurityError:
            value._fail_with_undefined_error()
        return None
    return value


def _dumps(obj: Any, **kwargs: Any) -> str:
    import json

    return json.dumps(to_plain(obj), **kwargs)


class AttuneEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with attune's lookup rules (see module docstring)."""

    intercepted_binops = frozenset({"**"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except KeyError:
                pass
        return _defined_or_none(SandboxedEnvironment.getattr(self, obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return _defined_or_none(SandboxedEnvironment.getitem(self, obj, argument))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and right > MAX_EXPONENT:
            raise SecurityError(f"exponent {right} exceeds the sandbox limit {MAX_EXPONENT}")
        return super().call_binop(context, operator, left, right)


def _finalize(value: Any) -> str:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return to_text(value)


_env = AttuneEnvironment(undefined=_StrictUndefined, finalize=_finalize, autoescape=False)
_env.policies["json.dumps_function"] = _dumps


class _ScopeContext(Context):
    """Jinja context whose top-level names come from ``scope.lookup`` (one lazy lookup each)."""

    def resolve_or_missing(self, key: str) -> Any:
        if key in self.vars:
            return self.vars[key]
        return self.parent.lookup(key, missing)


_env.context_class = _ScopeContext


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


def has_template(text: Any) -> bool:
    """Whether ``text`` is a string containing template markup at all."""
    return isinstance(text, str) and any(marker in text for marker in _MARKERS)


def check_template(text: str) -> None:
    """Parse and compile ``text`` (load time, SPEC 10.6).

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
class _PathExpr:
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


class _NativeExpr:
    """A single expression of any shape, evaluated to its native value."""

    __slots__ = ("template",)

    def __init__(self, template: jinja2.Template) -> None:
        self.template = template

    def evaluate(self, scope: Any) -> Any:
        template = self.template
        context = _ScopeContext(_env, scope, None, template.blocks)
        for _ in template.root_render_func(context):
            pass
        value = context.vars["result"]
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        if isinstance(value, str) and type(value) is not str:
            value = str(value)  # Markup from |tojson etc.: plain text for actions and XCom
        return value


class _TextTemplate:
    """Mixed text: always a string."""

    __slots__ = ("template",)

    def __init__(self, template: jinja2.Template) -> None:
        self.template = template

    def evaluate(self, scope: Any) -> str:
        template = self.template
        return "".join(template.root_render_func(_ScopeContext(_env, scope, None, template.blocks)))


def _single_expression(tree: nodes.Template) -> nodes.Expr | None:
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


def _as_path(expr: nodes.Expr) -> _PathExpr | None:
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
            return _PathExpr(expr.name, tuple(reversed(steps)))
        else:
            return None


def _route_function_calls(tree: nodes.Node) -> None:
    """``f(...)`` with f an attune function resolves to the function even if a variable is named f."""
    calls = list(tree.find_all(nodes.Call))
    if isinstance(tree, nodes.Call):
        calls.append(tree)
    for call in calls:
        target = call.node
        if isinstance(target, nodes.Name) and target.name in _CALLABLE_NAMES:
            call.node = nodes.Name(CALL_PREFIX + target.name, "load", lineno=target.lineno)
            call.node.set_environment(_env)


def _build(text: str, *, fast_path: bool = True) -> _PathExpr | _NativeExpr | _TextTemplate:
    """Compile ``text``; ``fast_path=False`` forces Jinja even for pure paths (tests compare both)."""
    tree = _parse(text)
    expr = _single_expression(tree)
    if expr is not None:
        path = _as_path(expr) if fast_path else None
        if path is not None:
            return path
        _route_function_calls(expr)
        body = nodes.Template([nodes.Assign(nodes.Name("result", "store"), expr, lineno=1)], lineno=1)
        body.set_environment(_env)
        return _NativeExpr(_from_tree(body, text))
    _route_function_calls(tree)
    return _TextTemplate(_from_tree(tree, text))


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
    if "{" in text and ("{{" in text or "{%" in text or "{#" in text):
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


def to_condition(value: Any) -> bool:
    """SPEC 10.4 truth of a rendered ``when``."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_TEXT:
            return True
        if text in FALSE_TEXT:
            return False
        raise ExpressionError(
            f"condition rendered to text {value!r}, which is neither true/1/yes nor false/0/no"
        )
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, Mapping) or is_sequence(value):
        return len(value) > 0
    return bool(value)


def evaluate_condition(text: Any, ctx: WorkflowContext | Mapping[str, Any], *, where: str = "") -> bool:
    """Evaluate a transition's ``when``; raises ExpressionError (callers log it and use False).

    A missing ``when`` (fires on any outcome) is the caller's business: None here is False.
    """
    value = render(text, ctx, where=where)
    try:
        return to_condition(value)
    except ExpressionError as exc:
        prefix = f"{where}: " if where else ""
        raise ExpressionError(
            f"{prefix}{exc.message} (expression {text!r})", expression=str(text), where=where
        ) from exc
