"""Is the XCom value being deserialized an expand input that Airflow's mapped expansion resolves?

Mirrors (Airflow 3.3.2):
  https://github.com/apache/airflow/blob/3.3.2/task-sdk/src/airflow/sdk/definitions/_internal/expandinput.py
  (``DictOfListsExpandInput.resolve``, ``ListOfDictsExpandInput.resolve``,
  ``DictOfListsExpandInput._expand_mapped_field``) and
  https://github.com/apache/airflow/blob/3.3.2/task-sdk/src/airflow/sdk/execution_time/lazy_sequence.py

Why no public way: ``BaseXCom.deserialize_value(result)`` gets only the stored row, nothing about
who reads it. When the expansion of a mapped task reads a list it only takes ``len`` and
``value[map_index]``, so the backend can hand over a lazy sequence and each mapped instance reads
one item; user code must get a plain list. Airflow has no hook that says which reader it is, so
the caller is recognised by the code objects on the stack.

If an upgrade moves these functions, ``expansion_codes()`` logs a warning and every value is read
whole (correct, only slower); ``tests/_airflow_compat/test_mapped_expansion.py`` turns red.
"""

from __future__ import annotations

import logging
import sys
from types import FrameType

log = logging.getLogger(__name__)
MAX_FRAMES = 60

Codes = tuple[frozenset, frozenset, str | None]


def expansion_codes() -> Codes:
    """(codes of the resolvers, codes of per-element reads, file of ``LazyXComSequence``)."""
    try:
        from airflow.sdk.definitions._internal import expandinput

        expanding = frozenset(
            {expandinput.DictOfListsExpandInput.resolve.__code__, expandinput.ListOfDictsExpandInput.resolve.__code__}
        )
        element = frozenset({expandinput.DictOfListsExpandInput._expand_mapped_field.__code__})
    except (ImportError, AttributeError) as exc:  # a new Airflow moved them: plain values, still correct
        log.warning("attune XCom: mapped expansion not recognised (%s); every value is read whole", exc)
        return frozenset(), frozenset(), None
    try:
        from airflow.sdk.execution_time import lazy_sequence

        lazy_file: str | None = lazy_sequence.__file__
    except ImportError:
        lazy_file = None
    return expanding, element, lazy_file


_CODES: Codes | None = None


def pulled_for_expansion() -> bool:
    """Whether the value being deserialized is an expand input Airflow will only index."""
    global _CODES
    if _CODES is None:
        _CODES = expansion_codes()
    expanding, element, lazy_file = _CODES
    frame: FrameType | None = sys._getframe(1)
    for _ in range(MAX_FRAMES):
        if frame is None:
            return False
        code = frame.f_code
        if code in expanding:
            return True
        if code in element or code.co_filename == lazy_file:
            return False
        frame = frame.f_back
    return False
