"""attune's expression function library (reference 10.3), callable as ``f(x)`` in templates.

Every function accepts the lazy read-only ``Sequence``/``Mapping`` views the result store
returns (never assumes ``list``/``dict``) and returns plain Python values. The outcome
functions (``result()``, ``succeeded()``, ...) depend on the current task and live on the
context (see ``context.OutcomeFunctions``), not here.
"""

from __future__ import annotations

import builtins
import math
import shlex
import uuid as _uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pendulum
import regex

from attune_provider.expressions import limits
from attune_provider.expressions.equality import json_equal, json_in
from attune_provider.expressions.serde_json_text import compact_json, json_number, plain
from attune_provider.expressions.text_rules import json_truthy, text_truth
from attune_provider.store.lazy import to_plain

__all__ = ["FUNCTIONS", "MAX_RANGE", "is_sequence", "shell_quote", "to_plain", "to_text"]

MAX_RANGE = 100_000  # like Jinja's sandbox: a template must not allocate without bound


def is_sequence(value: Any) -> bool:
    """A list-like value (lazy views included) that is not text."""
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))


def to_json(value: Any) -> str:
    """Compact JSON as attune's serde_json writes it (sorted keys, ryu numbers), lazy views too."""
    return compact_json(plain(value))


def to_text(value: Any) -> str:
    """How a value appears inside mixed text: null -> "", bool -> true/false, list/dict -> JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Mapping) or is_sequence(value):
        return to_json(value)
    if isinstance(value, (int, float)):
        return json_number(value)  # serde_json's form: 1e16, 1e-7, 3.0
    return str(value)


def _items(value: Any, fname: str) -> list[Any]:
    if is_sequence(value) or isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, str):
        return list(value)
    if isinstance(value, Mapping):
        return list(value.keys())
    raise TypeError(f"{fname}() expects a list, got {type_of(value)}")


def length(value: Any) -> int:
    """Number of elements / keys / characters; null counts as 0."""
    if value is None:
        return 0
    return len(value)


def keys(value: Mapping[str, Any]) -> list[Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"keys() expects an object, got {type_of(value)}")
    return sorted(value.keys())  # serde_json's Map is a BTreeMap: key order


def values(value: Mapping[str, Any]) -> list[Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"values() expects an object, got {type_of(value)}")
    return [value[key] for key in sorted(value.keys())]  # in key order, as attune


def string(value: Any) -> str:
    return to_text(value)


def number(value: Any) -> int | float:
    """Parse text/bool to a number; integral text stays an int."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return builtins.int(text)
        except ValueError:
            return float(text)
    raise TypeError(f"number() cannot convert {type_of(value)}")


def to_int(value: Any) -> int:
    """Truncating integer conversion; accepts numeric text such as "3.7"."""
    if isinstance(value, str):
        return builtins.int(number(value))
    return builtins.int(value)


def to_bool(value: Any) -> bool:
    """attune: ``bool("")`` false, ``bool("x")`` true; text uses the ``when`` text rule
    (``"false"``/``"0"``/``"no"`` false), other values attune's truthiness."""
    if isinstance(value, str):
        return text_truth(value)
    return json_truthy(value)


def type_of(value: Any) -> str:
    """attune's type names: null, bool, number, string, array, object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if is_sequence(value) or isinstance(value, (set, frozenset)):
        return "array"
    return type(value).__name__


def _varargs(args: tuple[Any, ...], fname: str) -> list[Any]:
    if len(args) == 1:
        return _items(args[0], fname)
    return list(args)


def minimum(*args: Any) -> Any:
    """min(list) or min(a, b, ...)."""
    return builtins.min(_varargs(args, "min"))


def maximum(*args: Any) -> Any:
    return builtins.max(_varargs(args, "max"))


def total(*args: Any) -> Any:
    return builtins.sum(_varargs(args, "sum"))


def to_round(value: float, ndigits: int = 0) -> int | float:
    """Half-away-from-zero rounding (attune/JS style, not Python's banker's rounding)."""
    factor = 10**ndigits
    rounded = math.floor(abs(value) * factor + 0.5) / factor
    rounded = math.copysign(rounded, value)
    return builtins.int(rounded) if ndigits == 0 else rounded


def floor(value: float) -> int:
    return math.floor(value)


def ceil(value: float) -> int:
    return math.ceil(value)


def lower(value: str) -> str:
    return to_text(value).lower()


def upper(value: str) -> str:
    return to_text(value).upper()


def trim(value: str) -> str:
    return to_text(value).strip()


def split(value: str, separator: str | None = None, maxsplit: int = -1) -> list[str]:
    return to_text(value).split(separator, maxsplit)


def join(value: Iterable[Any], separator: str = "") -> str:
    return separator.join(to_text(v) for v in _items(value, "join"))


def replace(value: str, old: str, new: str) -> str:
    return to_text(value).replace(old, new)


def starts_with(value: str, prefix: str) -> bool:
    return to_text(value).startswith(prefix)


def ends_with(value: str, suffix: str) -> bool:
    return to_text(value).endswith(suffix)


def match(pattern: str, text: str) -> bool:
    """attune's ``match(pattern, text)``: the regular expression matches somewhere in the text.

    Runs under ``[attune] template_regex_timeout`` seconds, so a catastrophic pattern
    (``(a+)+$``) is a located error instead of a hung worker.
    """
    if not isinstance(pattern, str):
        raise TypeError(f"match() expects the pattern (text) first, got {type_of(pattern)}")
    timeout = limits.template_limits().regex_timeout
    try:
        found = regex.search(pattern, to_text(text), timeout=timeout)
    except TimeoutError as exc:
        raise limits.limit_error(
            f"match() time (seconds) for pattern {pattern!r}", timeout, "template_regex_timeout"
        ) from exc
    except regex.error as exc:
        raise ValueError(f"match(): invalid regular expression {pattern!r}: {exc}") from exc
    return found is not None


def shell_quote(value: Any) -> str:
    """The value's text quoted for a POSIX shell (``shlex.quote``): ``a b`` -> ``'a b'``."""
    return shlex.quote(to_text(value))


def contains(container: Any, needle: Any) -> bool:
    """Substring for text, key for objects, element for lists."""
    if container is None:
        return False
    if isinstance(container, str):
        return to_text(needle) in container
    return json_in(needle, container)


def reverse(value: Any) -> Any:
    if isinstance(value, str):
        return value[::-1]
    return _items(value, "reversed")[::-1]


def sort(value: Any, key: str | None = None, reverse: bool = False) -> list[Any]:
    """Sorted copy; ``key`` names a field to sort objects by."""
    items = _items(value, "sort")
    if key is None:
        return sorted(items, reverse=reverse)
    return sorted(items, key=lambda element: element[key], reverse=reverse)


def unique(value: Any) -> list[Any]:
    """Distinct elements by JSON equality (``1`` and ``true`` differ), first occurrence kept."""
    result: list[Any] = []
    seen: set[Any] = set()
    for element in _items(value, "unique"):
        try:  # booleans keyed apart from numbers, since Python hashes True like 1
            key = (isinstance(element, bool), element)
            if key in seen:
                continue
            seen.add(key)
        except TypeError:
            if json_in(element, result):
                continue
        result.append(element)
    return result


def flat(value: Any) -> list[Any]:
    """Flatten one level: [[1, 2], 3] -> [1, 2, 3]."""
    result: list[Any] = []
    for element in _items(value, "flat"):
        if is_sequence(element):
            result.extend(element)
        else:
            result.append(element)
    return result


def zip_lists(*lists: Any) -> list[list[Any]]:
    return [list(group) for group in zip(*(_items(v, "zip") for v in lists), strict=False)]


def to_range(start: int, stop: int | None = None, step: int = 1) -> list[int]:
    numbers = builtins.range(start) if stop is None else builtins.range(start, stop, step)
    if len(numbers) > MAX_RANGE:
        raise OverflowError(f"range() of {len(numbers)} elements exceeds the limit {MAX_RANGE}")
    return list(numbers)


def to_slice(value: Any, start: int | None = None, end: int | None = None) -> Any:
    if isinstance(value, str):
        return value[start:end]
    return list(value[start:end]) if is_sequence(value) else _items(value, "slice")[start:end]


def index_of(value: Any, needle: Any) -> int:
    """Position of ``needle`` in a list or text, -1 when absent."""
    if isinstance(value, str):
        return value.find(to_text(needle))
    for position, element in enumerate(_items(value, "index_of")):
        if json_equal(element, needle):
            return position
    return -1


def count(value: Any, needle: Any = None) -> int:
    """Occurrences of ``needle`` in a list or text; without ``needle`` the length."""
    if needle is None:
        return length(value)
    if isinstance(value, str):
        return value.count(to_text(needle))
    return builtins.sum(1 for element in _items(value, "count") if json_equal(element, needle))


def merge(*mappings: Mapping[str, Any]) -> dict[str, Any]:
    """Shallow merge; later objects win."""
    result: dict[str, Any] = {}
    for mapping in mappings:
        if mapping is None:
            continue
        if not isinstance(mapping, Mapping):
            raise TypeError(f"merge() expects objects, got {type_of(mapping)}")
        result.update(mapping.items())
    return result


def chunks(value: Any, size: int) -> list[list[Any]]:
    if size < 1:
        raise ValueError("chunks() size must be at least 1")
    items = _items(value, "chunks")
    return [items[i : i + size] for i in builtins.range(0, len(items), size)]


def now() -> pendulum.DateTime:
    return pendulum.now("UTC")


def new_uuid() -> str:
    return str(_uuid.uuid4())


FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "length": length,
    "keys": keys,
    "values": values,
    "string": string,
    "number": number,
    "int": to_int,
    "bool": to_bool,
    "type_of": type_of,
    "abs": builtins.abs,
    "floor": floor,
    "ceil": ceil,
    "round": to_round,
    "min": minimum,
    "max": maximum,
    "sum": total,
    "lower": lower,
    "upper": upper,
    "trim": trim,
    "split": split,
    "join": join,
    "replace": replace,
    "starts_with": starts_with,
    "ends_with": ends_with,
    "match": match,
    "contains": contains,
    "reversed": reverse,
    "sort": sort,
    "unique": unique,
    "flat": flat,
    "zip": zip_lists,
    "range": to_range,
    "slice": to_slice,
    "index_of": index_of,
    "count": count,
    "merge": merge,
    "chunks": chunks,
    "now": now,
    "uuid": new_uuid,
    "shell_quote": shell_quote,
    "quote": shell_quote,
}
