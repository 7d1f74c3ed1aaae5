"""The stored result of one action execution (reference 11).

Every action kind (pack process, core, Python callable, Airflow operator) returns the same
shape so expressions (``task.<name>``, ``result()``) and the XCom backend never care which
kind ran. ``outcome`` is kept beside ``succeeded`` because routing needs to tell a timeout
from an ordinary failure (``timed_out()`` in conditions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from attune_provider.outcomes import OUTCOMES, Outcome

#: the keys of the stored form, in order (reference 11 plus ``outcome``)
RESULT_KEYS: tuple[str, ...] = (
    "succeeded",
    "outcome",
    "exit_code",
    "duration_ms",
    "stdout",
    "stderr",
    "error",
    "data",
)


#: added to the stored form of a timed-out result only (attune's shape)
TIMED_OUT_KEY = "timed_out"


@dataclass(frozen=True)
class ActionResult:
    """``{succeeded, exit_code, duration_ms, stdout, stderr, error, data}`` plus ``outcome``.

    ``outcome`` defaults from ``succeeded``; pass ``outcome="timed_out"`` for a timeout.
    ``exit_code`` is None when no process ran (Python actions, validation failures).
    """

    succeeded: bool
    exit_code: int | None = None
    duration_ms: int = 0
    stdout: str = ""
    stderr: str = ""
    error: str | None = None
    data: Any = None
    outcome: Outcome | None = None

    def __post_init__(self) -> None:
        outcome = self.outcome or ("succeeded" if self.succeeded else "failed")
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
        if (outcome == "succeeded") != bool(self.succeeded):
            raise ValueError(f"outcome {outcome!r} contradicts succeeded={self.succeeded!r}")
        object.__setattr__(self, "outcome", outcome)

    @classmethod
    def success(cls, data: Any = None, **fields: Any) -> ActionResult:
        return cls(succeeded=True, data=data, **fields)

    @classmethod
    def failure(cls, error: str, **fields: Any) -> ActionResult:
        return cls(succeeded=False, error=error, **fields)

    @classmethod
    def timeout(cls, error: str, **fields: Any) -> ActionResult:
        return cls(succeeded=False, outcome="timed_out", error=error, **fields)

    @property
    def timed_out(self) -> bool:
        return self.outcome == "timed_out"

    def to_dict(self) -> dict[str, Any]:
        """The stored form: plain JSON-able dict (``data`` as the action produced it).

        A timed-out result also carries ``timed_out: true``, the key attune's worker adds to a
        timeout's result (``crates/worker/src/executor.rs``, ``handle_execution_timeout``), so
        ``result().timed_out`` reads as it does on attune.
        """
        stored = {key: getattr(self, key) for key in RESULT_KEYS}
        if self.timed_out:
            stored[TIMED_OUT_KEY] = True
        return stored

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> ActionResult:
        """Inverse of :meth:`to_dict`; tolerates a stored form without ``outcome``."""
        return cls(**{key: stored[key] for key in RESULT_KEYS if key in stored})
