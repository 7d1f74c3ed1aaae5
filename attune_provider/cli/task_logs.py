"""Per-task-instance log files for serial ``attune-airflow run`` (``dag.test()`` in this process).

Under an executor, the task supervisor appends each try's log as JSON lines to ``[logging]
base_log_folder`` / the rendered ``log_filename_template`` (``workload.log_path``), where the
api-server's ``FileTaskHandler`` reads it for the UI's Logs tab. ``dag.test()`` without an
executor runs every task instance in this process and writes no such file, so the Logs tab said
"Could not read served logs". While one instance runs, :func:`per_instance_logs` also appends
every log event of the process -- at the configured levels, from the task's thread and the threads
it starts, not from the CLI's own watcher threads -- to that instance's file, rendered by the
supervisor's own processors (``airflow.sdk.log.logging_processors(json_output=True)``, which
include Airflow's secrets masking). What goes to the console (the run's combined log) is unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import threading
from collections.abc import Callable, Iterator, MutableSequence
from pathlib import Path
from typing import Any, BinaryIO


class TaskLogFile:
    """One try's log file while its task instance runs: takes the events of the task's threads."""

    def __init__(self, path: Path, stream: BinaryIO) -> None:
        self.path = path
        self.stream = stream
        self.lock = threading.Lock()
        # threads alive before the task started are the CLI's (progress, child runs, inquiries)
        self.outsiders = frozenset(t for t in threading.enumerate() if t is not threading.current_thread())
        self.broken = False

    def wants_current_thread(self) -> bool:
        return not self.broken and threading.current_thread() not in self.outsiders

    def write(self, line: bytes) -> None:
        with self.lock:
            self.stream.write(line.rstrip(b"\n") + b"\n")
            self.stream.flush()

    def fail(self, exc: BaseException) -> None:
        """Stop writing this file, loudly (once): the task itself goes on."""
        if not self.broken:
            self.broken = True
            print(
                f"warning: task log {self.path}: {type(exc).__name__}: {exc}; the rest of this "
                "instance's log is only in the run's log file",
                file=sys.stderr,
                flush=True,
            )


_active: TaskLogFile | None = None


@functools.cache
def _json_processors() -> tuple[Any, ...]:
    """The processors the task supervisor writes its log file with (mask, then JSON as bytes)."""
    from airflow.sdk.log import logging_processors

    return tuple(logging_processors(json_output=True))


def tee_to_task_log(logger: Any, method_name: str, event_dict: Any) -> Any:
    """structlog processor: a JSON copy of the event for the running instance's file, if any."""
    active = _active
    if active is None or not active.wants_current_thread():
        return event_dict
    import structlog

    try:
        rendered: Any = dict(event_dict)
        for processor in _json_processors():
            rendered = processor(logger, method_name, rendered)
        active.write(rendered if isinstance(rendered, bytes) else str(rendered).encode("utf-8"))
    except structlog.DropEvent:
        pass
    except Exception as exc:  # a log line must never fail the task; say so instead
        active.fail(exc)
    return event_dict


class StdlibTee(logging.Handler):
    """stdlib records (libraries that do not use structlog) for the running instance's file."""

    def __init__(self) -> None:
        super().__init__()
        import structlog
        from airflow.sdk._shared.logging.structlog import drop_positional_args

        *chain, to_json = _json_processors()
        self.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                foreign_pre_chain=[structlog.stdlib.add_logger_name, *chain],
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    drop_positional_args,
                    lambda logger, name, event: to_json(logger, name, event).decode("utf-8"),
                ],
                use_get_message=False,
                pass_foreign_args=True,
            )
        )

    def emit(self, record: logging.LogRecord) -> None:
        active = _active
        if active is None or not active.wants_current_thread():
            return
        try:
            active.write(self.format(record).encode("utf-8"))
        except Exception as exc:
            active.fail(exc)


def relative_log_path(ti: Any) -> str:
    """The log file of ``ti``'s current try, relative to base_log_folder, as the executor names it."""
    from airflow.utils.helpers import log_filename_template_renderer

    return log_filename_template_renderer()(ti=ti)


@contextlib.contextmanager
def writing_to(relative: str) -> Iterator[TaskLogFile]:
    """Send the events of the current task instance to ``base_log_folder/relative`` (appending)."""
    global _active
    from airflow.sdk.log import init_log_file

    path = init_log_file(relative)  # folders and file with Airflow's permissions, as the supervisor
    with path.open("ab") as stream:
        current = TaskLogFile(path, stream)
        previous, _active = _active, current
        try:
            yield current
        finally:
            _active = previous


def _logged_run_task(run_task: Callable[..., Any]) -> Callable[..., Any]:
    unwritable: list[str] = []

    @functools.wraps(run_task)
    def run_task_with_log(*args: Any, **kwargs: Any) -> Any:
        ti = kwargs["ti"] if "ti" in kwargs else args[0]
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(writing_to(relative_log_path(ti)))
            except Exception as exc:  # raising here would leave dag.test() retrying the instance forever
                if not unwritable:
                    print(
                        f"warning: no per-instance task logs ({type(exc).__name__}: {exc}); "
                        "task output is only in the run's log file",
                        file=sys.stderr,
                        flush=True,
                    )
                unwritable.append(str(exc))
            return run_task(*args, **kwargs)

    return run_task_with_log


@contextlib.contextmanager
def per_instance_logs() -> Iterator[None]:
    """For a ``dag.test()`` without executor: each task instance try writes its own log file.

    Wraps ``dag.test()``'s in-process runner of one instance (``_run_task``, which gets the same
    task instance row the executor path hands to ``ExecuteTask.make``) and hooks the tee into
    structlog's processor list (in place, so loggers already cached use it too) and the root
    logger's handlers.
    """
    import structlog

    from attune_provider.cli.in_process_runner import wrapped_run_task

    processors = structlog.get_config()["processors"]
    if not isinstance(processors, MutableSequence):
        raise RuntimeError(
            f"{__name__}: structlog's processors are a {type(processors).__name__}, not a list: "
            "per-instance task logs cannot be hooked in"
        )
    handler = StdlibTee()
    processors.insert(0, tee_to_task_log)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with wrapped_run_task(_logged_run_task):
            yield
    finally:
        root.removeHandler(handler)
        with contextlib.suppress(ValueError):
            processors.remove(tee_to_task_log)
