"""Jinja's built-in filters with their input measured first (issue 22: bounds on what is built).

A filter's input may be small in references and huge in text (``[big] * 20 | string``): every
built-in filter measures its input with ``limits.measure`` before it runs, and ``batch`` /
``slice`` check the lists they will build. Filters the sandbox replaces with bounded versions of
its own (``center``, ``join``, ``tojson``...) are registered after this and keep their own checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2 import filters as jinja_filters

from attune_provider.expressions import limits
from attune_provider.expressions.arithmetic import is_int
from attune_provider.expressions.errors import ExpressionError

__all__ = ["BOUNDED_FILTERS", "MAX_JSON_INDENT", "bound_builtin_filters"]

MAX_JSON_INDENT = 64


def _bounded_filter(name: str, function: Any) -> Any:
    """A built-in filter whose input is measured first: ``[big] * 20 | string`` is refused before
    ``str()`` builds it (a filter's input may be small in references and huge in text)."""

    def check(args: tuple[Any, ...]) -> None:
        for arg in args[:2]:
            if isinstance(arg, (list, tuple, Mapping)) or hasattr(type(arg), "attune_reference"):
                limits.measure(arg, f"input of the {name} filter")

    if getattr(function, "jinja_pass_arg", None) is not None:

        def passing(first: Any, *args: Any, **kwargs: Any) -> Any:
            check(args)
            return function(first, *args, **kwargs)

        bounded = passing
    else:

        def plain(*args: Any, **kwargs: Any) -> Any:
            check(args)
            return function(*args, **kwargs)

        bounded = plain
    pass_arg = getattr(function, "jinja_pass_arg", None)
    if pass_arg is not None:
        bounded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]  # context/environment
    bounded.__name__ = getattr(function, "__name__", name)
    return bounded


def _batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    if is_int(linecount):
        limits.check_length(max(linecount, 0), "batch size")
        if fill_with is not None:
            limits.check_length(limits.measure(fill_with) * max(linecount, 0), "batch fill")
    return jinja_filters.do_batch(value, linecount, fill_with)


def _slice(value: Any, slices: int, fill_with: Any = None) -> Any:
    if is_int(slices):
        limits.check_length(max(slices, 0), "slice count")
        if fill_with is not None:
            limits.check_length(limits.measure(fill_with) * max(slices, 0), "slice fill")
    return jinja_filters.sync_do_slice(value, slices, fill_with)


def bound_builtin_filters(filters: dict[str, Any]) -> None:
    """Wrap every filter in ``filters`` in place, and add the bounded ``batch`` and ``slice``."""
    filters.update({name: _bounded_filter(name, function) for name, function in filters.items()})
    filters.update(batch=_batch, slice=_slice)


# ------------------------------------------- filters the sandbox replaces with bounded ones
def _center(value: str, width: int = 80) -> str:
    if is_int(width):
        limits.check_length(max(len(str(value)), width), "center result")
    return jinja_filters.do_center(value, width)


def _indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    pad_size = len(width) if isinstance(width, str) else (width if is_int(width) else 0)
    text = str(s)
    limits.check_length(len(text) + (text.count("\n") + 1) * max(pad_size, 0), "indent result")
    return jinja_filters.do_indent(s, width, first, blank)


def _format(value: str, *args: Any, **kwargs: Any) -> str:
    limits.check_format(str(value), [*args, *kwargs.values()], printf=True)
    return jinja_filters.do_format(value, *args, **kwargs)


@jinja2.pass_eval_context
def _join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    parts = list(value)
    size = sum(limits.measure(part, "join element") for part in parts) if attribute is None else 0
    limits.check_length(size + len(str(d)) * max(len(parts) - 1, 0), "join result")
    return jinja_filters.sync_do_join(eval_ctx, parts, d, attribute)


@jinja2.pass_eval_context
def _replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(s), str(old), str(new)
    occurrences = len(text) + 1 if old == "" else text.count(old)
    if count is not None and is_int(count) and count >= 0:
        occurrences = min(occurrences, count)
    limits.check_length(len(text) + occurrences * len(new), "replace result")
    return jinja_filters.do_replace(eval_ctx, s, old, new, count)


@jinja2.pass_eval_context
def _tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Any:
    if indent is not None and is_int(indent) and indent > MAX_JSON_INDENT:
        raise ExpressionError(f"tojson indent {indent} exceeds the limit {MAX_JSON_INDENT}")
    limits.check_built(value, "tojson input")
    return jinja_filters.do_tojson(eval_ctx, value, indent)


@jinja2.pass_environment
def _sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """``|sum(start=[])`` concatenates lists in linear time (Python's sum is quadratic)."""
    if not isinstance(start, (list, tuple)):
        return jinja_filters.sync_do_sum(environment, iterable, attribute, start)
    if attribute is not None:
        getter = jinja_filters.make_attrgetter(environment, attribute)
        iterable = map(getter, iterable)
    parts = [start, *iterable]
    limits.check_length(sum(len(part) if isinstance(part, (list, tuple)) else 1 for part in parts), "sum result")
    result: list[Any] = []
    for part in parts:
        result.extend(part)  # TypeError for a non-list element, as sum() would raise
    return type(start)(result) if isinstance(start, tuple) else result


@jinja2.pass_environment
def _wordwrap(environment: Any, s: str, width: int = 79, *args: Any, **kwargs: Any) -> str:
    wrapstring = kwargs.get("wrapstring") or (args[1] if len(args) > 1 else None) or "\n"
    text = str(s)
    if is_int(width) and width > 0:
        limits.check_length(len(text) + (len(text) // width + 1) * len(str(wrapstring)), "wordwrap result")
    return jinja_filters.do_wordwrap(environment, s, width, *args, **kwargs)


BOUNDED_FILTERS: dict[str, Any] = {
    "center": _center,
    "indent": _indent,
    "format": _format,
    "join": _join,
    "replace": _replace,
    "tojson": _tojson,
    "wordwrap": _wordwrap,
    "sum": _sum,
}
