"""Resource bounds of template evaluation (docs/expressions.md, "Limits").

A template is user input that runs inside the scheduler's DAG processor and every worker, so
nothing it does may take unbounded memory or time. Each bound is checked *before* the costly
operation (``'a' * 10**9`` is refused, not built and then measured) and a breach raises
``TemplateLimitError`` naming the limit and the ``[attune]`` setting that raises it.

Settings are read once per process (``template_limits()``; tests call ``cache_clear()``).
"""

from __future__ import annotations

import contextvars
import functools
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from attune_provider.expressions.errors import ExpressionError
from attune_provider.expressions.result_view import ResultListView, ResultView

__all__ = [
    "TemplateLimitError",
    "TemplateLimits",
    "check_built",
    "check_format",
    "check_length",
    "check_power",
    "check_repeat",
    "loop_budget",
    "measure",
    "template_limits",
]

class TemplateLimitError(ExpressionError):
    """A template exceeded a resource bound; ``setting`` is the ``[attune]`` option to raise it."""

    def __init__(
        self, message: str, *, setting: str, limit: float, expression: str | None = None, where: str = ""
    ) -> None:
        super().__init__(message, expression=expression, where=where)
        self.setting = setting
        self.limit = limit


def limit_error(what: str, limit: float, setting: str) -> TemplateLimitError:
    """The error for ``what`` exceeding ``limit``, naming the setting that raises it."""
    return TemplateLimitError(
        f"{what} exceeds the limit {limit} (raise [attune] {setting}, env AIRFLOW__ATTUNE__{setting.upper()})",
        setting=setting,
        limit=limit,
    )


@dataclass(frozen=True)
class TemplateLimits:
    max_length: int
    max_loop_iterations: int
    max_exponent: int
    max_integer_bits: int
    regex_timeout: float


@functools.cache
def template_limits() -> TemplateLimits:
    """The configured bounds (``[attune] template_*``), read once per process."""
    from attune_provider import config

    return TemplateLimits(
        max_length=config.template_max_length(),
        max_loop_iterations=config.template_max_loop_iterations(),
        max_exponent=config.template_max_exponent(),
        max_integer_bits=config.template_max_integer_bits(),
        regex_timeout=config.template_regex_timeout(),
    )


def check_length(size: int, what: str = "rendered value") -> None:
    limit = template_limits().max_length
    if size > limit:
        raise limit_error(f"{what} of {size} characters", limit, "template_max_length")


_CONTAINERS = (list, tuple, Mapping, set, frozenset)
_PLAIN = (list, tuple, dict, set, frozenset, MappingProxyType)
_VIEW_SIZES: dict[tuple[str, str], int] = {}


def measure(value: Any, what: str = "value") -> int:
    """Characters ``value`` takes once materialised (rendered as text, JSON, stored), without
    building it: every repeated reference counts (``[b] * 1000`` holding a list ``b`` of 1000
    references to one string is 10**6 times that string), each distinct container is visited once.

    Raises the ``template_max_length`` error as soon as the count passes the limit, so a value
    of a billion characters made of shared references is refused in microseconds.
    """
    limit = template_limits().max_length
    memo: dict[int, int] = {}

    def walk(item: Any) -> int:
        kind = type(item)
        if kind is str or kind is bytes:
            return len(item) + 2
        if kind is int:
            return item.bit_length() // 3 + 2
        if kind is float or kind is bool or item is None:
            return 24
        if isinstance(item, str):
            return len(item) + 2
        if hasattr(type(item), "attune_reference"):  # a stored list/dict: never read it to measure it
            return _view_size(item)
        if isinstance(item, (ResultView, ResultListView)):
            return walk(item.stored)
        if not isinstance(item, _PLAIN):
            return 64  # a scope object (context, keystore): enumerating it would read all of it
        known = memo.get(id(item))
        if known is not None:
            return known
        size = 2
        pairs = item.items() if isinstance(item, Mapping) else ((None, element) for element in item)
        for key, element in pairs:
            size += walk(element) + 2 + (0 if key is None else walk(key))
            if size > limit:
                _too_big(size, what)
        memo[id(item)] = size
        return size

    try:
        total = walk(value)
    except RecursionError:
        raise ExpressionError(f"{what} is nested too deeply to be rendered") from None
    if total > limit:
        _too_big(total, what)
    return total


def _too_big(size: int, what: str) -> None:
    limit = template_limits().max_length
    raise limit_error(
        f"{what} of more than {size} characters once built (repeated references counted)",
        limit,
        "template_max_length",
    )


def _view_size(view: Any) -> int:
    """A stored value's size: its object's size in the store (an upper bound for a part of it)."""
    store, ref, _path = view.attune_reference
    key = (str(getattr(store, "url", "")), ref)
    size = _VIEW_SIZES.get(key)
    if size is None:
        object_size = getattr(store, "object_size", None)
        size = int(object_size(ref)) if callable(object_size) else len(view)
        _VIEW_SIZES[key] = size
    return size


def check_built(value: Any, what: str = "value") -> Any:
    """``value`` itself when its materialised size is within the limit (containers measured)."""
    if isinstance(value, _CONTAINERS) or hasattr(type(value), "attune_reference"):
        measure(value, what)
    return value


def _sized(value: Any) -> int | None:
    """Materialised size of text, bytes and sequences (None for anything else)."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, (list, tuple)):
        return measure(value, "repeated or concatenated list")
    return None


def check_repeat(left: Any, right: Any) -> None:
    """``text * n`` / ``list * n``: refuse before allocating; big integer products too.

    A list's size is what it holds once materialised (``measure``), not its length, so
    ``[big] * 100`` is charged 100 times ``big``.
    """
    for value, times in ((left, right), (right, left)):
        size = _sized(value)
        if size is not None and isinstance(times, int):
            check_length(size * max(times, 0), "repetition result")
            if isinstance(value, (list, tuple)):
                check_length(len(value) * max(times, 0), "repetition result")
            return
    if isinstance(left, int) and isinstance(right, int):
        bits = abs(left).bit_length() + abs(right).bit_length()
        limit = template_limits().max_integer_bits
        if bits > limit:
            raise limit_error(f"integer product of about {bits} bits", limit, "template_max_integer_bits")


def check_concat(*values: Any) -> None:
    """``a + b`` / ``a ~ b`` of text or lists."""
    total = 0
    for value in values:
        size = _sized(value)
        if size is None:
            if isinstance(value, (str, bytes, list, tuple)):
                continue
            size = len(str(value)) if isinstance(value, (int, float)) else 0
        total += size
    check_length(total, "concatenation result")


def check_power(base: Any, exponent: Any) -> None:
    """``a ** b``: bound the exponent and the size of the integer result."""
    if not isinstance(exponent, int) or isinstance(exponent, bool):
        return
    limits = template_limits()
    if exponent > limits.max_exponent:
        raise limit_error(f"exponent {exponent}", limits.max_exponent, "template_max_exponent")
    if isinstance(base, int) and exponent > 0:
        bits = abs(base).bit_length() * exponent
        if bits > limits.max_integer_bits:
            raise limit_error(
                f"power result of about {bits} bits", limits.max_integer_bits, "template_max_integer_bits"
            )


def _digits(spec: str) -> int:
    """The largest number written in a format spec (widths and precisions)."""
    largest = 0
    number = ""
    for char in spec + " ":
        if char.isdigit():
            number += char
        elif number:
            largest = max(largest, int(number))
            number = ""
    return largest


def _printf_widths(fmt: str) -> int:
    """Sum of the widths/precisions of the ``%`` conversions in ``fmt``."""
    total = 0
    position = fmt.find("%")
    while position != -1:
        start = position + 1
        if fmt.startswith("(", start):  # %(key)...: the mapping key is not a width
            close = fmt.find(")", start)
            start = len(fmt) if close == -1 else close + 1
        end = start
        while end < len(fmt) and fmt[end] in "0123456789.-+ #*":
            end += 1
        total += _digits(fmt[start:end])
        position = fmt.find("%", end + 1)
    return total


def _text_size(value: Any) -> int:
    """A lower estimate of ``str(value)``'s length (lists and mappings: their length)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if isinstance(value, float):
        return 32
    if isinstance(value, _CONTAINERS) or hasattr(type(value), "attune_reference"):
        return measure(value, "formatted argument")
    try:
        return len(value)
    except TypeError:
        return 64


def check_format(fmt: str, args: Iterable[Any], *, printf: bool) -> None:
    """``fmt % args`` / ``fmt.format(...)`` / ``|format``: widths plus argument text.

    Each replacement field is charged the longest argument (``('{0}' * 1000).format(big)``)
    and widths taken from the arguments (``%*d``, ``{0:{1}}``) every integer argument.
    """
    values = list(args)
    for value in list(values):
        if isinstance(value, Mapping):
            values.extend(value.values())
    numbers = [value for value in values if isinstance(value, int) and not isinstance(value, bool)]
    if printf:
        widths = _printf_widths(fmt)
        fields = fmt.count("%") - 2 * fmt.count("%%")
        nested = "*" in fmt
    else:
        widths = fields = 0
        nested = False
        try:
            for _literal, field, spec, _conversion in string.Formatter().parse(fmt):
                fields += field is not None
                if spec:
                    widths += _digits(spec)
                    nested = nested or "{" in spec
        except ValueError:
            return  # malformed: format() itself raises the error
    if nested:
        widths += sum(max(number, 0) for number in numbers)
    longest = max((_text_size(value) for value in values), default=0)
    check_length(len(fmt) + widths + max(fields, 0) * longest, "formatted text")


class _Budget:
    __slots__ = ("left", "written")

    def __init__(self, iterations: int) -> None:
        self.left = iterations
        self.written = 0  # characters written into macro / call / set-block buffers


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("attune_loop_budget", default=None)


def loop_budget() -> contextvars.Token[_Budget | None]:
    """Start a fresh iteration budget for one template evaluation; reset with the token."""
    return _BUDGET.set(_Budget(template_limits().max_loop_iterations))


def reset_budget(token: contextvars.Token[_Budget | None]) -> None:
    _BUDGET.reset(token)


def guarded_loop(iterable: Iterable[Any]) -> Iterable[Any]:
    """Every ``{% for %}`` iterates through this: all loops of one evaluation share the budget.

    A sized iterable (list, range, mapping) is charged its length up front, so ordinary loops
    pay no per-element cost; anything else is counted element by element.
    """
    budget = _BUDGET.get()
    if budget is None:  # evaluated outside engine.render (cannot happen through the public API)
        budget = _Budget(template_limits().max_loop_iterations)
    try:
        size = len(iterable)  # type: ignore[arg-type]
    except TypeError:
        return _counted(iterable, budget)
    budget.left -= size
    if budget.left < 0:
        _over_budget()
    return iterable


def charge_buffered(size: int) -> None:
    """Text written inside a macro, call block or ``{% set %}`` block (it is concatenated in
    memory before the output check can see it): all of one evaluation share the length limit."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.written += size
        if budget.written > template_limits().max_length:
            check_length(budget.written, "text written by macros and blocks")


def _over_budget() -> None:
    limit = template_limits().max_loop_iterations
    raise limit_error("loop iterations", limit, "template_max_loop_iterations")


def _counted(iterable: Iterable[Any], budget: _Budget) -> Iterator[Any]:
    for element in iterable:
        budget.left -= 1
        if budget.left < 0:
            _over_budget()
        yield element


def bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """Jinja's ``lipsum`` global with its output size checked first."""
    from jinja2.utils import generate_lorem_ipsum

    if isinstance(n, int) and isinstance(max, int):
        check_length(n * max * 12, "lipsum() result")
    return str(generate_lorem_ipsum(n, html, min, max))
