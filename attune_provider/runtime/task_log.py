"""The logger shape runtime helpers write to: Airflow's task logger or a stdlib logger."""

from __future__ import annotations

from typing import Any, Protocol


class TaskLog(Protocol):
    """What routing and the end of run call on ``self.log`` (structlog in tasks, logging in tests)."""

    def info(self, msg: str, /, *args: Any, **kwargs: Any) -> Any: ...

    def warning(self, msg: str, /, *args: Any, **kwargs: Any) -> Any: ...

    def error(self, msg: str, /, *args: Any, **kwargs: Any) -> Any: ...
