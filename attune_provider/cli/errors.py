"""The one exception CLI commands raise for a user-facing problem (printed without traceback)."""

from __future__ import annotations


class CliError(Exception):
    """A problem the user can fix; ``main`` prints the message and exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
