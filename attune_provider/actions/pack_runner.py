"""Pack actions (``runner_type`` python / shell) run as real processes, as attune runs them.

* entry point: ``<pack>/actions/<entry_point>`` (must stay inside ``actions/``); working
  directory: the pack root.
* python runs under ``[attune] python_interpreter`` or, when unset, the interpreter running
  Airflow; shell runs under ``bash`` (attune's aliases ``sh``/``bash``/``python3`` accepted).
* parameters: one document (json / yaml / dotenv, see ``formats``) on stdin followed by a
  newline, stdin then closed; or, for ``parameter_delivery: file``, in a 0400 temporary file
  whose path is in ``ATTUNE_PARAMETER_FILE`` (deleted after the run).
* environment: the worker's environment plus ``ATTUNE_ACTION``, ``ATTUNE_PACK_REF``,
  ``ATTUNE_EXEC_ID``, ``ATTUNE_API_URL`` (empty: there is no attune API under Airflow),
  ``ATTUNE_PARAMETER_DELIVERY``, ``ATTUNE_PARAMETER_FORMAT``, ``ATTUNE_PARAMETER_FILE`` (file
  delivery only) and ``ATTUNE_OUTPUT_FORMAT``. Parameters are never put in the environment.
* exit 0 = succeeded; stdout is then parsed per ``output_format`` (a parse error fails the
  run). Timeout (the task's ``timeout``, else ``timeout_seconds``) kills the process group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from attune_provider.actions.base import Action, RunContext, elapsed_ms
from attune_provider.actions.formats import (
    OUTPUT_FORMATS,
    PARAMETER_DELIVERIES,
    PARAMETER_FORMATS,
    OutputParseError,
    format_parameters,
    parse_output,
)
from attune_provider.actions.process import run_process
from attune_provider.actions.result import ActionResult
from attune_provider.spec.model import ActionSpec

PYTHON_RUNNERS = frozenset({"python", "python3"})
SHELL_RUNNERS = frozenset({"shell", "sh", "bash"})
_SUFFIX = {"json": ".json", "yaml": ".yaml", "dotenv": ".env"}


class PackActionError(ValueError):
    """Pack action metadata that cannot run here (bad runner, entry point, format)."""


def python_interpreter() -> str:
    from attune_provider.config import settings

    return settings().python_interpreter or sys.executable


def attune_environment(spec: ActionSpec, exec_id: str) -> dict[str, str]:
    """The ``ATTUNE_*`` context variables (parameter-delivery ones are added per run)."""
    return {
        "ATTUNE_ACTION": spec.ref,
        "ATTUNE_PACK_REF": spec.pack_ref or spec.ref.split(".", 1)[0],
        "ATTUNE_EXEC_ID": exec_id,
        "ATTUNE_API_URL": "",
        "ATTUNE_PARAMETER_DELIVERY": spec.parameter_delivery,
        "ATTUNE_PARAMETER_FORMAT": spec.parameter_format,
        "ATTUNE_OUTPUT_FORMAT": spec.output_format,
    }


class PackAction(Action):
    """A pack's python/shell action, executed as a child process."""

    kind = "pack"

    def __init__(self, spec: ActionSpec, *, interpreter: str | None = None):
        self.spec = spec
        self.ref = spec.ref
        self.parameters = spec.parameters
        self.description = spec.description
        self._interpreter = interpreter

    # -- metadata checks -------------------------------------------------------------------
    @property
    def pack_root(self) -> Path:
        if self.spec.pack_path is not None:
            return Path(self.spec.pack_path).resolve()
        if self.spec.source_file is not None:  # actions/<name>.yaml -> pack root
            return Path(self.spec.source_file).resolve().parent.parent
        raise PackActionError(f"action '{self.ref}': pack folder unknown (no pack_path/source_file)")

    def entry_path(self) -> Path:
        entry = self.spec.entry_point
        if not entry:
            raise PackActionError(f"action '{self.ref}': no entry_point")
        actions_dir = (self.pack_root / "actions").resolve()
        path = (actions_dir / entry).resolve()
        if not path.is_relative_to(actions_dir):
            raise PackActionError(
                f"action '{self.ref}': entry_point {entry!r} leaves the pack's actions/ folder"
            )
        if not path.is_file():
            raise PackActionError(f"action '{self.ref}': entry_point script not found: {path}")
        return path

    def argv(self) -> list[str]:
        runner = (self.spec.runner_type or "shell").lower()
        path = str(self.entry_path())
        if runner in PYTHON_RUNNERS:
            return [self._interpreter or python_interpreter(), path]
        if runner in SHELL_RUNNERS:
            return [shutil.which("bash") or "/bin/bash", path]
        raise PackActionError(
            f"action '{self.ref}': runner_type {self.spec.runner_type!r} is not supported "
            "(supported: python, shell)"
        )

    def _check_formats(self) -> None:
        spec = self.spec
        for value, allowed, name in (
            (spec.parameter_delivery, PARAMETER_DELIVERIES, "parameter_delivery"),
            (spec.parameter_format, PARAMETER_FORMATS, "parameter_format"),
            (spec.output_format, OUTPUT_FORMATS, "output_format"),
        ):
            if value not in allowed:
                raise PackActionError(
                    f"action '{self.ref}': {name} {value!r} is not supported (one of {', '.join(allowed)})"
                )

    # -- execution -------------------------------------------------------------------------
    def _execute(self, values: dict[str, Any], run: RunContext) -> ActionResult:
        started = time.monotonic()
        try:
            self._check_formats()
            argv = self.argv()
            cwd = self.pack_root
        except PackActionError as exc:
            return ActionResult.failure(str(exc), duration_ms=elapsed_ms(started))
        spec = self.spec
        timeout = run.timeout if run.timeout is not None else spec.timeout_seconds
        document = (format_parameters(values, spec.parameter_format) + "\n").encode()
        env = dict(os.environ)
        env.update(attune_environment(spec, run.exec_id))
        param_file: Path | None = None
        stdin_data: bytes | None = document
        try:
            if spec.parameter_delivery == "file":
                param_file = _write_parameter_file(document, spec.parameter_format)
                env["ATTUNE_PARAMETER_FILE"] = str(param_file)
                stdin_data = None
            run.log.info("attune: %s (cwd %s, timeout %s)", " ".join(argv), cwd, timeout)
            outcome = run_process(
                argv,
                cwd=cwd,
                env=env,
                stdin_data=stdin_data,
                timeout=timeout,
                log=run.log,
                masker=run.masker,
                keep_full_stdout=spec.output_format != "text",
            )
        finally:
            if param_file is not None:
                with contextlib.suppress(OSError):
                    param_file.unlink()

        failed = outcome.unsuccessful(f"action '{self.ref}'", timeout)
        if failed is not None:
            return failed
        fields = outcome.result_fields()
        if spec.output_format == "text":
            return ActionResult.success(None, **fields)
        if not outcome.full_stdout_complete:
            return ActionResult.failure(
                f"action '{self.ref}': stdout is larger than the parse limit; cannot parse "
                f"output_format {spec.output_format}",
                **fields,
            )
        try:
            data = parse_output(outcome.full_stdout, spec.output_format)
        except OutputParseError as exc:
            return ActionResult.failure(f"action '{self.ref}': {exc}", **fields)
        return ActionResult.success(data, **fields)


def _write_parameter_file(document: bytes, fmt: str) -> Path:
    """A private (0400) temporary file holding the parameter document."""
    fd, name = tempfile.mkstemp(prefix="attune-params-", suffix=_SUFFIX.get(fmt, ""))
    try:
        os.write(fd, document)
    finally:
        os.close(fd)
    os.chmod(name, 0o400)
    return Path(name)
