"""Load-time problems that name the file, line and column, so a user can fix the YAML directly.

``SpecError`` is one problem (an exception so parsing code can raise it and the loader can
collect it); ``LoadError`` carries every problem found while loading one or more files.
"""

from __future__ import annotations

from collections.abc import Iterable

from attune_provider.spec.codes import INVALID_VALUE
from attune_provider.spec.model import Location, SpecWarning


class SpecError(Exception):
    """One fatal problem in a workflow, action or pack file.

    ``str()`` is ``file:line:column: error: message (hint: ...)`` -- the format editors and
    CI annotations already understand.
    """

    def __init__(
        self, location: Location, message: str, hint: str | None = None, code: str = INVALID_VALUE
    ) -> None:
        self.location = location
        self.message = message
        self.hint = hint
        self.code = code  # stable, documented (spec/codes.py, docs/spec-loading.md)
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.location}: error: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def __repr__(self) -> str:
        return f"SpecError({self.location!r}, {self.message!r}, hint={self.hint!r}, code={self.code!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpecError):
            return NotImplemented
        return (self.location, self.message, self.hint, self.code) == (
            other.location,
            other.message,
            other.hint,
            other.code,
        )

    def __hash__(self) -> int:
        return hash((self.location, self.message, self.hint, self.code))

    def __reduce__(self):  # keep pickling (multiprocessing, Airflow) working with our __init__
        return (SpecError, (self.location, self.message, self.hint, self.code))


class LoadError(Exception):
    """Loading failed; ``errors`` lists every problem found (not only the first)."""

    def __init__(self, errors: Iterable[SpecError], warnings: Iterable[SpecWarning] = ()) -> None:
        self.errors: list[SpecError] = list(errors)
        self.warnings: list[SpecWarning] = list(warnings)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.errors)
        if count == 1:
            return str(self.errors[0])
        lines = [f"{count} errors:"]
        lines.extend(f"  {error}" for error in self.errors)
        return "\n".join(lines)

    def __reduce__(self):
        return (LoadError, (self.errors, self.warnings))
