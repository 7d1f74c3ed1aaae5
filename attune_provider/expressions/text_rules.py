"""The two small text rules every layer shares (one definition each, issue 13).

* ``is_template``: does a string contain template markup at all (``{{``, ``{%`` or ``{#``)?
  The spec validator, the compiler and the engine all ask this question; they must agree.
* ``text_truth``: attune's truth of *text* (a ``when`` rendered through a template):
  ``true``/``1``/``yes`` are true, ``false``/``0``/``no`` and empty text are false
  (case-insensitive, surrounding whitespace ignored), and any other non-empty text is true.
* ``json_truthy``: attune's truth of a *value* (a ``when`` evaluated as a bare expression):
  null, false, 0, "", [] and {} are false; everything else is true.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["FALSE_TEXT", "TEMPLATE_MARKERS", "TRUE_TEXT", "is_template", "json_truthy", "text_truth"]

TEMPLATE_MARKERS = ("{{", "{%", "{#")
TRUE_TEXT = frozenset({"true", "1", "yes"})
FALSE_TEXT = frozenset({"false", "0", "no", ""})


def is_template(text: Any) -> bool:
    """Whether ``text`` is a string containing template markup."""
    return isinstance(text, str) and "{" in text and any(marker in text for marker in TEMPLATE_MARKERS)


def text_truth(text: str) -> bool:
    """attune's truth of rendered text (see module docstring)."""
    return text.strip().lower() not in FALSE_TEXT  # TRUE_TEXT and any other non-empty text: true


def json_truthy(value: Any) -> bool:
    """attune's ``is_truthy`` over JSON values (lazy result views included)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, (str, Mapping)) or (isinstance(value, Sequence) and not isinstance(value, bytes)):
        return len(value) > 0
    return bool(value)
