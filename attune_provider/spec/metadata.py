"""Pack and action metadata files (reference 1.1, 1.2, 9.1) -> ``PackSpec`` fields / ``ActionSpec``."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from attune_provider.spec.errors import LoadError
from attune_provider.spec.model import EMPTY, ActionSpec, ParameterSpec
from attune_provider.spec.parameters import parse_parameters
from attune_provider.spec.report import Report, is_int, tags_field, text_field, type_name, version_field
from attune_provider.spec.yaml_source import YamlDocument

ACTION_KEYS = frozenset(
    {
        "ref", "name", "label", "description", "enabled", "runner_type", "entry_point",
        "parameter_delivery", "parameter_format", "output_format", "timeout_seconds",
        "parameters", "output", "tags", "workflow_file",
        # attune server concerns, accepted without effect
        "default_execution_permission_set_refs", "permission_set_refs",
        # read by attune's pack loader (pack_registry/loader.rs, load_actions): worker placement,
        # runtime version constraint, visibility and retention; no effect on Airflow
        "runtime_version", "required_worker_runtimes", "worker_selector", "worker_tolerations",
        "worker_affinity", "accesses_mcp", "reference_visibility", "reference_allowed_pack_refs",
        "log_retention_policy", "log_retention_limit", "artifact_retention_policy",
        "artifact_retention_limit",
    }
)  # fmt: skip
PACK_KEYS = frozenset(
    {
        "ref", "label", "description", "version", "conf_schema", "config",
        # pack catalogue metadata attune keeps; no effect on workflows
        "author", "email", "system", "meta", "tags", "runtime_deps", "enabled", "testing",
        "dependencies", "keywords", "contributors", "python_versions", "name",
    }
)  # fmt: skip
CHOICES = {
    "parameter_delivery": ("stdin", "file"),
    "parameter_format": ("json", "yaml", "dotenv"),
    "output_format": ("text", "json", "yaml", "jsonl"),
}
_REF = re.compile(r"^[\w.-]{1,250}$")


def _require_mapping(report: Report, doc: YamlDocument, what: str) -> dict[Any, Any]:
    if isinstance(doc.data, dict):
        return doc.data
    found = "empty" if doc.data is None else f"a {type_name(doc.data)}"
    report.error((), f"{what} must be a mapping, but this file is {found}")
    raise LoadError(report.errors)


def check_workflow_file(report: Report, value: Any) -> str | None:
    """reference 1.2: relative to ``actions/``, inside ``actions/workflows/``, no ``..``."""
    hint = (
        "use a relative path inside actions/workflows/, e.g. `workflow_file: workflows/deploy.workflow.yaml`"
    )
    if not isinstance(value, str) or not value.strip():
        report.error(("workflow_file",), f"'workflow_file' must be a relative path, got {value!r}", hint)
        return None
    parts = PurePosixPath(value.replace("\\", "/")).parts
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value):
        report.error(
            ("workflow_file",), f"'workflow_file' {value!r} must be relative to actions/, not absolute", hint
        )
        return None
    if ".." in parts:
        report.error(("workflow_file",), f"'workflow_file' {value!r} must not contain '..'", hint)
        return None
    parts = tuple(part for part in parts if part != ".")
    if len(parts) < 2 or parts[0] != "workflows":
        report.error(
            ("workflow_file",), f"'workflow_file' {value!r} must point inside actions/workflows/", hint
        )
        return None
    return "/".join(parts)


def parse_action(doc: YamlDocument, pack_ref: str | None = None, pack_path: Path | None = None) -> ActionSpec:
    """Validate an action metadata file; raises ``LoadError`` listing every problem."""
    report = Report(doc)
    data = _require_mapping(report, doc, "an action file")
    report.unknown_keys((), data, ACTION_KEYS, "action")
    file = Path(doc.file)
    name = text_field(report, data, "name")
    ref = text_field(report, data, "ref")
    if ref is not None and not _REF.match(ref):
        report.error(("ref",), f"action ref {ref!r} may only use letters, digits, '_', '.' and '-'")
    if name is None:
        name = ref.split(".", 1)[1] if ref and "." in ref else file.stem
    if ref is None:
        ref = f"{pack_ref}.{name}" if pack_ref else name
    elif pack_ref and not ref.startswith(pack_ref + "."):
        report.warn(
            ("ref",),
            f"action ref '{ref}' is not in pack '{pack_ref}' (expected '{pack_ref}.<name>')",
            "ref-outside-pack",
        )
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        report.error(("enabled",), f"'enabled' must be true or false, got {type_name(enabled)}")
    choices: dict[str, str] = {}
    for key, allowed in CHOICES.items():
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, str) and value.lower() in allowed:  # attune's loader lowercases them
            choices[key] = value.lower()
        else:
            report.error((key,), f"unknown {key} {value!r}", "use one of " + ", ".join(allowed))
    timeout = data.get("timeout_seconds")
    if timeout is not None and not (is_int(timeout) and timeout > 0):
        report.error(("timeout_seconds",), f"'timeout_seconds' must be a positive integer, got {timeout!r}")
    parameters: dict[str, ParameterSpec] = parse_parameters(report, ("parameters",), data.get("parameters"))
    output = data.get("output")
    if output is not None and not isinstance(output, dict):
        report.error(("output",), f"'output' must be a mapping (an output schema), got {type_name(output)}")
        output = None
    workflow_file = None
    if "workflow_file" in data:
        workflow_file = check_workflow_file(report, data["workflow_file"])
    spec = ActionSpec(
        ref=ref,
        name=name,
        pack_ref=pack_ref,
        label=text_field(report, data, "label"),
        description=text_field(report, data, "description"),
        enabled=enabled if isinstance(enabled, bool) else True,
        runner_type=text_field(report, data, "runner_type"),
        entry_point=text_field(report, data, "entry_point"),
        timeout_seconds=timeout if is_int(timeout) else None,
        parameters=MappingProxyType(parameters) if parameters else EMPTY,
        output=MappingProxyType(output) if output else EMPTY,
        tags=tags_field(report, data),
        workflow_file=workflow_file,
        source_file=file,
        pack_path=pack_path,
        location=report.loc(()),
        warnings=tuple(report.warnings),
        **choices,
    )
    if report.errors:
        raise LoadError(report.errors, report.warnings)
    return spec


def parse_pack_metadata(doc: YamlDocument, default_ref: str) -> tuple[dict[str, Any], Report]:
    """``pack.yaml`` -> keyword arguments for ``PackSpec`` (except path/actions) + its report."""
    report = Report(doc)
    data = _require_mapping(report, doc, "pack.yaml")
    report.unknown_keys((), data, PACK_KEYS, "pack")
    ref = text_field(report, data, "ref") or default_ref
    if not _REF.match(ref) or "." in ref:
        report.error(("ref",), f"pack ref {ref!r} may only use letters, digits, '_' and '-'")
    version = version_field(report, data)
    conf_schema = parse_parameters(report, ("conf_schema",), data.get("conf_schema"))
    config = data.get("config")
    if config is not None and not isinstance(config, dict):
        report.error(("config",), f"'config' must be a mapping, got {type_name(config)}")
        config = None
    tags_field(report, data)  # catalogue metadata, but a wrong shape is still a mistake
    fields = {
        "ref": ref,
        "label": text_field(report, data, "label"),
        "description": text_field(report, data, "description"),
        "version": version,
        "conf_schema": MappingProxyType(conf_schema) if conf_schema else EMPTY,
        "config": MappingProxyType(config) if config else EMPTY,
    }
    return fields, report
