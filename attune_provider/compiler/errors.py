"""Compile-time errors name the workflow file and line, like load errors do."""

from __future__ import annotations

from attune_provider.spec.codes import COMPILE_ERROR
from attune_provider.spec.model import Location


class CompileError(Exception):
    """A workflow that loaded but cannot become a DAG; ``str()`` is ``file:line:col: error: ...``."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        hint: str | None = None,
        code: str = COMPILE_ERROR,
    ) -> None:
        self.message = message
        self.location = location
        self.hint = hint
        self.code = code  # stable, documented (spec/codes.py)
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.location}: " if self.location is not None else ""
        text = f"{prefix}error: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def __reduce__(self):  # picklable with our __init__ (DAG processor, multiprocessing)
        return (CompileError, (self.message, self.location, self.hint, self.code))
