"""The Jinja sandbox templates run in: attune's lookup rules, literals, arithmetic and bounds.

* ``ImmutableSandboxedEnvironment``: no private attributes, no mutation of lists/dicts.
* ``obj.name`` on a mapping reads the key first (``task.x.items`` is the key ``items``, not
  ``dict.items``); a missing key or index is None; an unknown top-level name is an error.
* attune's literals and arithmetic: ``null`` is None, and ``/`` of two integers that divide
  exactly is an integer (``10 / 5`` is ``2``, ``10 / 4`` is ``2.5``).
* Every operation that can allocate without bound (``*``, ``+``, ``~``, ``**``, ``%``,
  ``str.format``/``ljust``/``center``/``replace``/``join``..., the ``center``/``indent``/
  ``format``/``join``/``replace``/``tojson``/``wordwrap`` filters, ``{% for %}``) is checked
  against ``limits`` before it runs.

``rewrite(tree)`` applies the AST side of this (``null``, loop and ``~`` guards, function calls
that always reach attune's functions) to every parsed template.
"""

from __future__ import annotations

import json
import operator as _op
from collections.abc import Mapping
from typing import Any, TypeVar, cast

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context, Undefined, missing
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

from attune_provider.expressions import limits
from attune_provider.expressions.arithmetic import divide, is_int, remainder
from attune_provider.expressions.context import CALL_PREFIX, OUTCOME_FUNCTIONS
from attune_provider.expressions.equality import COMPARE_GUARDS, rewrite_compare
from attune_provider.expressions.filter_bounds import BOUNDED_FILTERS, bound_builtin_filters
from attune_provider.expressions.functions import FUNCTIONS, shell_quote, to_text
from attune_provider.store.lazy import to_plain

__all__ = ["ENV", "UnknownName", "rewrite"]

_CALLABLE_NAMES = frozenset(FUNCTIONS) | OUTCOME_FUNCTIONS
# str methods whose result can be much larger than the string: name -> size bound
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})
_SMALL_NUMBERS = frozenset({int, float})
_SMALL = 2**64  # products and sums of integers below this stay far below any size limit
_PLAIN_NUMBER_OPS = {"+": _op.add, "*": _op.mul}


class UnknownName(jinja2.UndefinedError):
    """Internal: an unknown top-level name was used; carries the name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} is undefined")
        self.name = name


class _StrictUndefined(jinja2.StrictUndefined):
    """Any use of an unknown top-level name fails; ``is defined`` and ``default`` still work."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        if self._undefined_obj is missing and self._undefined_hint is None and self._undefined_name:
            raise UnknownName(self._undefined_name)
        return super()._fail_with_undefined_error(*args, **kwargs)


# Jinja binds the operator dunders (``__add__``, ``__bool__``, ...) to the base method at class
# creation; point them at the override so every use of an unknown name reports the name.
for _name, _value in {**vars(Undefined), **vars(jinja2.StrictUndefined)}.items():
    if _value is Undefined._fail_with_undefined_error and _name != "_fail_with_undefined_error":
        setattr(_StrictUndefined, _name, _StrictUndefined._fail_with_undefined_error)
del _name, _value


def defined_or_none(value: Any) -> Any:
    """Missing key -> None; unsafe attribute -> SecurityError right away."""
    if isinstance(value, Undefined):
        if value._undefined_exception is SecurityError:
            value._fail_with_undefined_error()
        return None
    return value


def _check_str_method(method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> list[Any] | None:
    """Refuse str method calls whose result would exceed the length limit.

    For ``join`` the parts are returned materialised, so a one-shot iterator is read once.
    """
    text = method.__self__
    name = method.__name__
    if name in _WIDTH_METHODS and args and is_int(args[0]):
        limits.check_length(max(len(text), args[0]), f"{name}() result")
    elif name == "expandtabs":
        size = args[0] if args and is_int(args[0]) else kwargs.get("tabsize", 8)
        if is_int(size):
            limits.check_length(len(text) + text.count("\t") * max(size, 0), "expandtabs() result")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        occurrences = len(text) + 1 if args[0] == "" else text.count(args[0])
        if len(args) > 2 and is_int(args[2]) and args[2] >= 0:
            occurrences = min(occurrences, args[2])
        limits.check_length(len(text) + occurrences * len(args[1]), "replace() result")
    elif name == "join" and args:
        parts = list(args[0])
        size = sum(len(part) for part in parts if isinstance(part, str))
        limits.check_length(size + len(text) * max(len(parts) - 1, 0), "join() result")
        return parts
    return None


class AttuneEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with attune's lookup rules, arithmetic and bounds (module docstring)."""

    intercepted_binops = frozenset({"**", "*", "/", "//", "+", "-", "%"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except KeyError:
                pass
        if attribute.startswith("__"):  # never data unless a mapping has that key (read above)
            raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__} is unsafe")
        return defined_or_none(SandboxedEnvironment.getattr(self, obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return defined_or_none(SandboxedEnvironment.getitem(self, obj, argument))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if (type(left) is bool or type(right) is bool) and not isinstance(left, str):
            raise TypeError(f"'{operator}' needs numbers (or text, lists), not a boolean")  # attune
        if type(left) in _SMALL_NUMBERS and type(right) in _SMALL_NUMBERS:
            if operator == "/":
                return divide(left, right)
            if operator == "%":
                return remainder(left, right)
            if operator in _PLAIN_NUMBER_OPS and (
                type(left) is float or type(right) is float or (-_SMALL < left < _SMALL and -_SMALL < right < _SMALL)
            ):
                return _PLAIN_NUMBER_OPS[operator](left, right)  # cannot grow without bound
        if operator == "/":
            return divide(left, right)
        if operator == "**":
            limits.check_power(left, right)
        elif operator == "*":
            limits.check_repeat(left, right)
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple)):
                limits.check_concat(left, right)
        elif operator == "%" and isinstance(left, str):
            limits.check_format(left, right if isinstance(right, tuple) else (right,), printf=True)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(__obj, "__self__", None), str) and callable(__obj):
            parts = _check_str_method(__obj, args, kwargs)
            if parts is not None:
                args = (parts, *args[1:])
        return SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        template = value.__self__

        def bounded(*args: Any, **kwargs: Any) -> str:
            values = list(args) + list(kwargs.values())
            if value.__name__ == "format_map" and args and isinstance(args[0], Mapping):
                values = list(args[0].values())
            limits.check_format(template, values, printf=False)
            return wrapper(*args, **kwargs)

        return bounded


def _finalize(value: Any) -> str:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return to_text(limits.check_built(value, "rendered value"))


def _dumps(obj: Any, **kwargs: Any) -> str:
    return json.dumps(to_plain(obj), default=_set_as_list, **kwargs)


def _set_as_list(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _checked(value: Any) -> Any:
    """``{% set x = ... %}`` and list/tuple/dict literals: the value, measured as it would be
    materialised (repeated references counted), must stay within the length limit."""
    if isinstance(value, str):
        limits.check_length(len(value), "assigned value")
    else:
        limits.check_built(value, "built value")
    return value


def _buffered(value: Any) -> Any:
    """Output inside a macro / call block / set block: charged to the evaluation's budget."""
    limits.charge_buffered(len(value) if isinstance(value, str) else len(to_text(value)))
    return value


def _concat(*values: Any) -> str:
    """``a ~ b``: Jinja's string concatenation, bounded."""
    texts = [str(limits.check_built(value, "~ operand")) for value in values]
    limits.check_length(sum(len(text) for text in texts), "~ concatenation result")
    return "".join(texts)


class _ScopeContext(Context):
    """Jinja context whose top-level names come from ``scope.lookup`` (one lazy lookup each)."""

    def resolve_or_missing(self, key: str) -> Any:
        if key in self.vars:
            return self.vars[key]
        scope: Any = self.parent  # the render scope, passed as the context's parent
        return scope.lookup(key, missing)


ENV = AttuneEnvironment(undefined=_StrictUndefined, finalize=_finalize, autoescape=False)
ENV.policies["json.dumps_function"] = _dumps
ENV.context_class = _ScopeContext
bound_builtin_filters(ENV.filters)
ENV.filters.update(BOUNDED_FILTERS, shell_quote=shell_quote, quote=shell_quote)
# guards the AST pass inserts (names no template can spell: they contain a dot)
ENV.filters.update(
    {
        "attune.loop": limits.guarded_loop,
        "attune.checked": _checked,
        "attune.concat": _concat,
        "attune.buffered": _buffered,
        **{name: function for name, function in COMPARE_GUARDS.values()},
    }
)


def _guard(name: str, first: nodes.Node, *args: nodes.Node, lineno: int) -> nodes.Filter:
    """A call of a guard as a filter: compiled to a direct call (no sandbox call overhead)."""
    call = nodes.Filter(first, name, list(args), [], None, None, lineno=lineno)
    call.set_environment(ENV)
    return call


class _Rewriter(NodeTransformer):
    """AST pass run on every parsed template (see module docstring)."""

    def __init__(self) -> None:
        self.has_loops = False  # needs a budget: loops, macros or blocks
        self.buffered = 0  # depth inside macros / call blocks / set blocks

    def _visit_buffered(self, node: nodes.Node) -> nodes.Node:
        self.has_loops = True
        self.buffered += 1
        try:
            self.generic_visit(node)
        finally:
            self.buffered -= 1
        return node

    visit_Macro = visit_CallBlock = visit_AssignBlock = visit_FilterBlock = _visit_buffered

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        if self.buffered:
            node.nodes = [
                _guard(
                    "attune.buffered",
                    nodes.Const(child.data, lineno=child.lineno) if isinstance(child, nodes.TemplateData) else child,
                    lineno=child.lineno,
                )
                for child in node.nodes
            ]
        return node

    def visit_Name(self, node: nodes.Name) -> nodes.Node:
        if node.ctx == "load" and node.name == "null":
            const = nodes.Const(None, lineno=node.lineno)
            const.set_environment(ENV)
            return const
        return node

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        self.generic_visit(node)
        target = node.node
        if isinstance(target, nodes.Name) and target.name in _CALLABLE_NAMES:
            node.node = nodes.Name(CALL_PREFIX + target.name, "load", lineno=target.lineno)
            node.node.set_environment(ENV)
        return node

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        self.has_loops = True
        node.iter = _guard("attune.loop", node.iter, lineno=node.lineno)
        return node

    def visit_Compare(self, node: nodes.Compare) -> nodes.Node:
        self.generic_visit(node)
        return rewrite_compare(node, _guard)  # JSON equality: true != 1 (equality.py)

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _guard("attune.concat", *node.nodes, lineno=node.lineno)

    def _visit_literal(self, node: nodes.Node) -> nodes.Node:
        self.generic_visit(node)
        if getattr(node, "ctx", "load") != "load":
            return node
        return _guard("attune.checked", node, lineno=node.lineno)

    visit_List = visit_Tuple = visit_Dict = _visit_literal

    def visit_Assign(self, node: nodes.Assign) -> nodes.Node:
        self.generic_visit(node)
        node.node = _guard("attune.checked", node.node, lineno=node.lineno)
        return node


_TreeT = TypeVar("_TreeT", bound=nodes.Node)


def rewrite(tree: _TreeT) -> tuple[_TreeT, bool]:
    """Apply the AST rules in place; returns (tree, whether it has loops)."""
    rewriter = _Rewriter()
    result = rewriter.visit(tree)
    return cast(_TreeT, result), rewriter.has_loops
