"""``attune-airflow validate``: every problem with file:line:column, human or JSON (for CI).

Loading never stops at the first bad workflow, and each valid workflow is also compiled, so a
construct the provider cannot run (e.g. an unknown action) fails validation too. Every finding
carries a stable ``code`` (``spec/codes.py``; docs/spec-loading.md, "Finding codes").
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attune_provider.spec.codes import ACTION_INPUT, COMPILE_ERROR, FILE_UNREADABLE, INVALID_VALUE


@dataclass
class Finding:
    severity: str  # "error" | "warning"
    file: str
    line: int
    column: int
    message: str
    hint: str | None = None
    code: str = INVALID_VALUE  # stable and documented: attune_provider/spec/codes.py

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


@dataclass
class Validation:
    paths: list[str]
    workflows: list[str] = field(default_factory=list)
    compiled: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def _from_spec_error(error: Any, default_code: str = INVALID_VALUE) -> Finding:
    location = getattr(error, "location", None)
    return Finding(
        "error",
        str(getattr(location, "file", "") or ""),
        int(getattr(location, "line", 0) or 0),
        int(getattr(location, "column", 0) or 0),
        str(getattr(error, "message", error)),
        getattr(error, "hint", None),
        getattr(error, "code", None) or default_code,
    )


def _from_warning(warning: Any) -> Finding:
    location = warning.location
    return Finding(
        "warning",
        str(location.file),
        location.line,
        location.column,
        warning.message,
        code=warning.code,
    )


def _compile_findings(workflow: Any) -> list[Finding]:
    """Compile one loaded workflow; a failure becomes an error located at its file."""
    from attune_provider.cli.dags import compile_dag

    try:
        compile_dag(workflow)
    except Exception as exc:
        errors = getattr(exc, "errors", None)
        if errors:
            return [_from_spec_error(e, COMPILE_ERROR) for e in errors]
        if getattr(exc, "location", None) is not None:
            return [_from_spec_error(exc, COMPILE_ERROR)]
        where = workflow.source_file or workflow.action_file or workflow.ref
        return [
            Finding("error", str(where), 0, 0, f"does not compile: {type(exc).__name__}: {exc}", code=COMPILE_ERROR)
        ]
    return []


def _other_pack_input_findings(workflow: Any) -> list[Finding]:
    """Literal inputs for actions of *other* packs (own-pack inputs are checked while loading).

    Located at the task (the workflow model keeps task locations, not input value locations).
    Part of the compile step: finding the other packs reads the ``[attune]`` folders.
    """
    from attune_provider.actions.registries import registry_for_workflow
    from attune_provider.spec.action_checks import input_problems

    own = workflow.pack.ref if workflow.pack is not None else None
    registry = registry_for_workflow(workflow)
    findings: list[Finding] = []
    for task in workflow.tasks:
        if not task.action or ":" in task.action or task.input is None or task.action.split(".", 1)[0] == own:
            continue  # `module:function` / `airflow:` refs would import code (and Airflow)
        try:
            action_spec = getattr(registry.resolve(task.action), "spec", None)
        except Exception:  # an unknown action is the compiler's finding
            continue
        if action_spec is None or getattr(action_spec, "workflow_file", None) is not None:
            continue
        if not hasattr(action_spec, "parameters"):
            continue
        where = task.location
        for _param, message, hint in input_problems(task.name, task.input, action_spec):
            findings.append(Finding("error", str(where.file) if where else str(workflow.source_file),
                                    where.line if where else 0, where.column if where else 0, message, hint, ACTION_INPUT))  # fmt: skip
    return findings


def validate(paths: list[str], *, compile_workflows: bool = True) -> Validation:
    from attune_provider.spec import load_path

    report = Validation(paths=list(paths))
    seen_warnings: set[tuple[str, int, int, str]] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            report.findings.append(Finding("error", raw, 0, 0, "no such file or folder", code=FILE_UNREADABLE))
            continue
        result = load_path(path)
        report.findings.extend(_from_spec_error(e) for e in result.errors)
        warnings = list(result.warnings)
        for workflow in result.workflows.values():
            warnings.extend(workflow.warnings)
        for warning in warnings:
            finding = _from_warning(warning)
            key = (finding.file, finding.line, finding.column, finding.message)
            if key not in seen_warnings:
                seen_warnings.add(key)
                report.findings.append(finding)
        for ref, workflow in result.workflows.items():
            report.workflows.append(ref)
            if compile_workflows:  # needs the configured packs folders, so Airflow's config
                report.findings.extend(_other_pack_input_findings(workflow))
                problems = _compile_findings(workflow)
                report.findings.extend(problems)
                if not problems:
                    report.compiled.append(ref)
    return report


def run(args: argparse.Namespace) -> int:
    if not args.no_compile:
        from attune_provider.cli import environment

        environment.prepare(args.airflow_home)
    report = validate(args.paths, compile_workflows=not args.no_compile)
    failed = bool(report.errors) or (args.strict and bool(report.warnings))
    if args.format == "json":
        payload = {
            "valid": not failed,
            "strict": args.strict,
            "paths": report.paths,
            "workflows": report.workflows,
            "compiled": report.compiled if not args.no_compile else None,
            "errors": [vars(f) for f in report.errors],
            "warnings": [vars(f) for f in report.warnings],
        }
        print(json.dumps(payload, indent=2))
    else:
        for finding in report.findings:
            print(finding)
        status = "FAILED" if failed else "OK"
        print(
            f"{status}: {len(report.workflows)} workflow(s), {len(report.errors)} error(s), "
            f"{len(report.warnings)} warning(s)" + (" (strict: warnings fail)" if args.strict else "")
        )
    return 1 if failed else 0
