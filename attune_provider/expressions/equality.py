"""Comparisons over JSON values, as attune's evaluator decides them.

attune compares ``serde_json::Value``s: a boolean is never equal to a number (Python's
``True == 1`` is), integers and floats compare by value (``3 == 3.0``), arrays and objects
compare element by element; ``<``, ``<=``, ``>``, ``>=`` order numbers or text only.
Single comparisons in templates are rewritten to these functions (``sandbox._Rewriter``), and
the collection functions use the same equality.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jinja2 import Undefined, nodes


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_array(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def json_equal(left: Any, right: Any) -> bool:
    """``left == right`` with JSON types: bool only equals bool, numbers across int/float."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if _is_number(left) or _is_number(right):
        return _is_number(left) and _is_number(right) and left == right
    if isinstance(left, Mapping) or isinstance(right, Mapping):
        if not (isinstance(left, Mapping) and isinstance(right, Mapping)) or len(left) != len(right):
            return False
        return all(key in right and json_equal(value, right[key]) for key, value in left.items())
    if _is_array(left) or _is_array(right):
        if not (_is_array(left) and _is_array(right)) or len(left) != len(right):
            return False
        return all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def json_in(needle: Any, container: Any) -> bool:
    """attune's ``in``: an element of an array, a key of an object, a substring of text."""
    if _is_array(container):
        return any(json_equal(element, needle) for element in container)
    if isinstance(container, Mapping):
        return isinstance(needle, str) and needle in container
    return needle in container  # text (a TypeError for a non-text needle is reported as usual)


def json_not_equal(left: Any, right: Any) -> bool:
    return not json_equal(left, right)


def json_not_in(needle: Any, container: Any) -> bool:
    return not json_in(needle, container)


def _ordering(symbol: str, compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """``<`` and friends on two numbers or two texts; any other pair is an error (attune)."""

    def order(left: Any, right: Any) -> bool:
        if (
            (_is_number(left) and _is_number(right))
            or (isinstance(left, str) and isinstance(right, str))
            or (isinstance(left, datetime.date) and isinstance(right, datetime.date))  # now(), system.*
        ):
            return compare(left, right)
        raise TypeError(
            f"'{symbol}' orders two numbers or two texts, not {_json_type(left)} and {_json_type(right)}"
        )

    order.__name__ = f"json_{compare.__name__}"
    return order


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    return "array" if _is_array(value) else type(value).__name__


def _strict(function: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """The template form: an unknown name on either side is the usual located error."""

    def compare(left: Any, right: Any) -> bool:
        for value in (left, right):
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
        return function(left, right)

    compare.__name__ = function.__name__
    return compare


#: Jinja compare operator -> (guard filter name, function)
COMPARE_GUARDS: Mapping[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "eq": ("attune.eq", _strict(json_equal)),
    "ne": ("attune.ne", _strict(json_not_equal)),
    "in": ("attune.in", _strict(json_in)),
    "notin": ("attune.notin", _strict(json_not_in)),
    "lt": ("attune.lt", _strict(_ordering("<", operator.lt))),
    "lteq": ("attune.lteq", _strict(_ordering("<=", operator.le))),
    "gt": ("attune.gt", _strict(_ordering(">", operator.gt))),
    "gteq": ("attune.gteq", _strict(_ordering(">=", operator.ge))),
}


def rewrite_compare(node: nodes.Compare, guard: Callable[..., nodes.Expr]) -> nodes.Expr:
    """``a == b`` (one operator) -> ``guard("attune.eq", a, b)``; chains (``1 < x < 3``) stay Jinja's."""
    if len(node.ops) != 1 or node.ops[0].op not in COMPARE_GUARDS:
        return node
    name = COMPARE_GUARDS[node.ops[0].op][0]
    return guard(name, node.expr, node.ops[0].expr, lineno=node.lineno)
