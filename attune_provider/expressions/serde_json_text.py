"""JSON text exactly as attune's ``serde_json`` writes it.

attune holds every value as ``serde_json::Value`` (its ``Map`` is a ``BTreeMap``: keys sorted)
and prints numbers with ryu (``1.0``, ``1e16``, ``1e-7``). Parameter documents
(``actions/parameter_documents``) and values written into template text (``functions.to_text``)
both use these, so a value reads the same everywhere attune would print it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any


def plain(value: Any) -> Any:
    """JSON-model data: mappings -> dict (str keys), sequences -> list, non-finite floats ->
    None, other non-JSON scalars -> their text (what attune's serde_json value would hold)."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        return [plain(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def json_number(value: int | float) -> str:
    """An integer as digits; a float as ryu's ``format_finite`` (serde_json / serde_yaml).

    An integer outside i64/u64 is a float to serde_json (no arbitrary precision), so it is
    written as that float."""
    if isinstance(value, int):
        if -(2**63) <= value < 2**64:
            return str(value)
        return json_number(float(value))
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    exponent = int(exp_text or 0) - len(fraction)
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    digits = stripped
    length = len(digits)
    point = length + exponent  # the value is 0.<digits> * 10**point
    if exponent >= 0 and point <= 16:
        text = digits + "0" * exponent + ".0"
    elif 0 < point <= 16:
        text = digits[:point] + "." + digits[point:]
    elif -5 < point <= 0:
        text = "0." + "0" * -point + digits
    elif length == 1:
        text = f"{digits}e{point - 1}"
    else:
        text = f"{digits[0]}.{digits[1:]}e{point - 1}"
    return sign + text


def compact_json(value: Any) -> str:
    """``serde_json::to_string`` of plain data: no spaces, sorted keys, raw UTF-8."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return json_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = (f"{compact_json(key)}:{compact_json(value[key])}" for key in sorted(value))
        return "{" + ",".join(items) + "}"
    return "[" + ",".join(compact_json(item) for item in value) + "]"
