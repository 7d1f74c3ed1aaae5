"""Exceptions raised by the expression layer.

One base class (``ExpressionError``) so callers that must "log and treat as false"
(conditions, publish) can catch everything the layer raises in one clause.
"""

from __future__ import annotations


class ExpressionError(Exception):
    """A template failed to parse or to evaluate."""

    def __init__(self, message: str, *, expression: str | None = None, where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.where = where


class ExpressionSyntaxError(ExpressionError):
    """Jinja syntax error; ``lineno`` is the 1-based line inside the template text."""

    def __init__(self, message: str, lineno: int | None = None, *, expression: str | None = None) -> None:
        super().__init__(message, expression=expression)
        self.lineno = lineno


class UndefinedNameError(ExpressionError):
    """An unknown top-level name (reference 10.5); ``name`` is the name that was not found."""

    def __init__(self, name: str, message: str, *, expression: str | None = None, where: str = "") -> None:
        super().__init__(message, expression=expression, where=where)
        self.name = name
