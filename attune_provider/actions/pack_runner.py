"""Pack actions (``runner_type`` python / shell) run as real processes, as attune runs them.

* entry point: ``<pack>/actions/<entry_point>`` (must stay inside ``actions/``); working
  directory: the pack root.
* runtimes as attune's platform catalog defines them (``runtimes``): python runs ``-u`` under the
  pack's own virtualenv when it has a ``requirements.txt`` (``pack_envs``), else under ``[attune]
  python_interpreter`` or the interpreter running Airflow, with ``<pack>/lib`` prepended to
  ``PYTHONPATH``; nodejs runs ``node`` with ``NODE_PATH`` at the pack's ``node_modules`` (from
  ``package.json``); shell runs ``bash``; java, go, perl, r, ruby run their interpreter and
  native runs the entry point itself, each when its binary passes attune's verification.
* parameters: one document (json / yaml / dotenv, see ``parameter_documents``) on stdin
  followed by a newline, stdin then closed; or, for ``parameter_delivery: file``, the bare
  document in a 0400 temporary file whose path is in ``ATTUNE_PARAMETER_FILE`` (deleted
  after the run).
* environment: the worker's environment without ``ATTUNE_API_TOKEN``, plus the variables of
  attune's ``prepare_execution_context``: ``ATTUNE_EXEC_ID``, ``ATTUNE_ACTION``,
  ``ATTUNE_API_URL`` (empty: there is no attune API under Airflow), ``ATTUNE_ARTIFACTS_DIR``,
  ``ATTUNE_RUNTIME_ENVS_DIR``, ``ATTUNE_PACK_REF``; then ``ATTUNE_PARAMETER_DELIVERY``,
  ``ATTUNE_PARAMETER_FORMAT``, ``ATTUNE_PARAMETER_FILE`` (file delivery only) and
  ``ATTUNE_OUTPUT_FORMAT`` (a provider addition). Parameters never go into the environment.
* exit 0 = succeeded; stdout is then parsed per ``output_format``: stdout that does not parse
  leaves ``data`` empty and the run succeeded (logged as a warning); parsed output replaces
  ``stdout`` in the result (attune ``process_executor.rs``). Timeout (the task's ``timeout``, else ``timeout_seconds``, else ``[attune]
  default_action_timeout``) kills the process group.
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
    parse_jsonl,
    parse_output,
    parse_problem,
)
from attune_provider.actions.pack_envs import (
    PackEnvironment,
    ensure_environment,
    node_identity,
    python_identity,
)
from attune_provider.actions.parameter_documents import parameter_document
from attune_provider.actions.process import run_process
from attune_provider.actions.result import ActionResult
from attune_provider.actions.runtimes import ALIASES, Runtime, runtime_for, unavailable_reason
from attune_provider.actions.settings import (
    artifacts_dir,
    default_action_timeout,
    runtime_envs_dir,
    with_default_timeout_note,
)
from attune_provider.spec.model import ActionSpec

_SUFFIX = {"json": ".json", "yaml": ".yaml", "dotenv": ".env"}


class PackActionError(ValueError):
    """Pack action metadata that cannot run here (bad runner, entry point, format)."""


def python_interpreter() -> str:
    from attune_provider.config import settings

    return settings().python_interpreter or sys.executable


def attune_environment(spec: ActionSpec, exec_id: str) -> dict[str, str]:
    """The ``ATTUNE_*`` context variables (``ATTUNE_PARAMETER_FILE`` is added per run)."""
    artifacts = artifacts_dir()
    artifacts.mkdir(parents=True, exist_ok=True)
    return {
        "ATTUNE_EXEC_ID": exec_id,
        "ATTUNE_ACTION": spec.ref,
        "ATTUNE_API_URL": "",
        "ATTUNE_ARTIFACTS_DIR": str(artifacts),
        "ATTUNE_RUNTIME_ENVS_DIR": str(runtime_envs_dir()),
        "ATTUNE_PACK_REF": spec.ref.split(".", 1)[0],  # as attune: the ref up to the first '.'
        "ATTUNE_PARAMETER_DELIVERY": spec.parameter_delivery,
        "ATTUNE_PARAMETER_FORMAT": spec.parameter_format,
        "ATTUNE_OUTPUT_FORMAT": spec.output_format,
    }


def process_environment(spec: ActionSpec, exec_id: str) -> dict[str, str]:
    """The worker's environment minus an inherited ``ATTUNE_API_TOKEN`` (attune's
    ``apply_runtime_environment``), plus :func:`attune_environment`."""
    env = {key: value for key, value in os.environ.items() if key != "ATTUNE_API_TOKEN"}
    env.update(attune_environment(spec, exec_id))
    return env


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

    def runner_location(self) -> str:
        """``file:line:col`` of the action's ``runner_type`` (its file when not found)."""
        source = self.spec.source_file
        if source is None:
            return f"action '{self.ref}'"
        try:
            from attune_provider.spec.yaml_source import read_yaml

            return str(read_yaml(Path(source)).loc(("runner_type",)))
        except Exception:  # unreadable now: the file alone still locates it
            return str(source)

    def runtime(self) -> Runtime:
        """The runtime ``runner_type`` names; a located error when this host cannot run it."""
        runtime = runtime_for(self.spec.runner_type)
        if runtime is None:
            raise PackActionError(
                f"{self.runner_location()}: action '{self.ref}': runner_type {self.spec.runner_type!r} "
                f"is not supported (attune's runtimes: {', '.join(ALIASES)})"
            )
        reason = unavailable_reason(runtime)
        if reason is not None:
            raise PackActionError(
                f"{self.runner_location()}: action '{self.ref}': runner_type {self.spec.runner_type!r} "
                f"needs the {runtime.name} runtime, which is not available on this host: {reason}"
            )
        return runtime

    def argv(self, environment: PackEnvironment | None = None) -> list[str]:
        runtime = self.runtime()
        path = str(self.entry_path())
        if runtime.name == "python":
            python = str(environment.python) if environment else self._interpreter or python_interpreter()
            return [python, "-u", path]
        if runtime.name == "shell":
            return [shutil.which("bash") or "/bin/bash", path]
        return [*runtime.interpreter, path]

    def environment(self) -> PackEnvironment | None:
        """The pack's dependency environment (built once, see ``pack_envs``), or None."""
        runtime = self.runtime()
        pack_ref = self.ref.split(".", 1)[0]
        if runtime.name == "python":
            identity = python_identity(pack_ref, self.pack_root, self._interpreter or python_interpreter())
        elif runtime.name == "node":
            identity = node_identity(pack_ref, self.pack_root)
        else:
            return None
        return None if identity is None else ensure_environment(identity, self.pack_root)

    def runtime_variables(self, environment: PackEnvironment | None, env: dict[str, str]) -> dict[str, str]:
        """attune's ``env_vars`` of the runtime: PYTHONPATH prepended with ``<pack>/lib``,
        NODE_PATH set to the environment's node_modules."""
        runtime = self.runtime()
        if runtime.name == "python":
            lib = str(self.pack_root / "lib")
            current = env.get("PYTHONPATH")
            return {"PYTHONPATH": f"{lib}:{current}" if current else lib}
        if runtime.name == "node" and environment is not None:
            return {"NODE_PATH": str(environment.node_path)}
        return {}

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
            self.entry_path()
            environment = self.environment()  # PackEnvironmentError: the task fails, no retry
            argv = self.argv(environment)
            cwd = self.pack_root
        except PackActionError as exc:
            return ActionResult.failure(str(exc), duration_ms=elapsed_ms(started))
        spec = self.spec
        timeout = run.timeout if run.timeout is not None else spec.timeout_seconds
        from_default = timeout is None
        if from_default:
            timeout = default_action_timeout()
        try:
            document = parameter_document(values, spec.parameter_format).encode()
        except ValueError as exc:
            return ActionResult.failure(f"action '{self.ref}': {exc}", duration_ms=elapsed_ms(started))
        env = process_environment(spec, run.exec_id)
        env.update(self.runtime_variables(environment, env))
        param_file: Path | None = None
        stdin_data: bytes | None = document + b"\n"  # attune: the document, a newline, EOF
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
            return with_default_timeout_note(failed) if from_default else failed
        fields = outcome.result_fields()
        if spec.output_format == "text":
            return ActionResult.success(None, **fields)
        if not outcome.full_stdout_complete:
            return ActionResult.failure(
                f"action '{self.ref}': stdout is larger than the parse limit; cannot parse "
                f"output_format {spec.output_format}",
                **fields,
            )
        if spec.output_format == "jsonl":
            data, skipped = parse_jsonl(outcome.full_stdout)
            _warn_skipped_lines(run, self.ref, skipped)
        else:
            data = parse_output(outcome.full_stdout, spec.output_format)
            problem = parse_problem(outcome.full_stdout, spec.output_format)
            if problem is not None:
                run.log.warning(
                    "attune: action '%s' (output_format %s): %s; the action succeeds with its stdout "
                    "kept and no data, as attune's worker does",
                    self.ref,
                    spec.output_format,
                    problem,
                )
        return ActionResult.success(data, **parsed_fields(fields, data))


def parsed_fields(fields: dict[str, Any], data: Any) -> dict[str, Any]:
    """attune keeps ``stdout`` in the result only when nothing was parsed ("avoid duplication",
    ``process_executor.rs``); the stream itself is still in the task log."""
    return {**fields, "stdout": ""} if data is not None else fields


def _warn_skipped_lines(run: RunContext, ref: str, skipped: list[int]) -> None:
    """jsonl keeps only the lines that are JSON (as attune); say which lines were left out."""
    if skipped:
        shown = ", ".join(str(n) for n in skipped[:10]) + (", ..." if len(skipped) > 10 else "")
        run.log.warning(
            "attune: action '%s' (output_format jsonl): %d stdout line(s) are not JSON and are not "
            "in the result (line %s)",
            ref,
            len(skipped),
            shown,
        )


def _write_parameter_file(document: bytes, fmt: str) -> Path:
    """A private (0400) temporary file holding the bare document (attune's
    ``create_parameter_file`` adds no newline)."""
    fd, name = tempfile.mkstemp(prefix="attune-params-", suffix=_SUFFIX.get(fmt, ""))
    try:
        os.fchmod(fd, 0o400)
        os.write(fd, document)
    finally:
        os.close(fd)
    return Path(name)
