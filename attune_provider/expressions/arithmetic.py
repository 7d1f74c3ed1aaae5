"""attune's arithmetic where Python's differs: exact integer division stays an integer and
``%`` keeps the dividend's sign (Rust's remainder). Used by ``sandbox.AttuneEnvironment``."""

from __future__ import annotations

import math
from typing import Any


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def divide(left: Any, right: Any) -> Any:
    """attune's ``/``: integers that divide exactly stay integers."""
    if is_int(left) and is_int(right) and right != 0 and left % right == 0:
        return left // right
    return left / right


def remainder(left: Any, right: Any) -> Any:
    """attune's ``%`` (Rust's): the sign of the dividend, ``-7 % 3`` is ``-1``."""
    if right == 0:
        raise ZeroDivisionError("modulo by zero")
    if is_int(left) and is_int(right):
        rest = abs(left) % abs(right)
        return -rest if left < 0 else rest
    return math.fmod(left, right)
