"""Find the one workflow a command works on, and parse ``-p key=value`` parameters.

Kept free of Airflow imports: ``validate`` and ``graph`` must not pay for Airflow start-up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attune_provider.cli.errors import CliError
from attune_provider.store.lazy import to_plain

if TYPE_CHECKING:
    from attune_provider.spec.model import WorkflowSpec


def _load(path: Path):
    from attune_provider.spec import load_path

    return load_path(path)


def _format_errors(errors: Sequence[Any]) -> str:
    return "\n".join(f"  {error}" for error in errors)


def load_workflow(target: str, ref: str | None = None) -> WorkflowSpec:
    """The workflow named by ``target`` (a path, or a ref in the workflows folder) and ``ref``.

    Errors in *other* workflows of the same folder do not stop us; errors in the chosen one do.
    """
    path = Path(target)
    if not path.exists():
        if ref is None and "/" not in target and not target.endswith((".yaml", ".yml")):
            from attune_provider.config import settings

            folder = settings().workflows_folder
            if folder.is_dir():
                path, ref = folder, target
        if not path.exists():
            raise CliError(f"{target}: no such file or folder (and no workflow with that ref)")
    result = _load(path)
    workflows = dict(result.workflows)
    if ref is not None:
        if ref not in workflows:
            errors = [e for e in result.errors if ref in str(e)] or list(result.errors)
            detail = f"\n{_format_errors(errors)}" if errors else ""
            known = ", ".join(sorted(workflows)) or "none"
            raise CliError(f"{target}: no valid workflow with ref {ref!r} (valid: {known}){detail}")
        return workflows[ref]
    if len(workflows) == 1 and not (result.errors and path.is_file()):
        return next(iter(workflows.values()))
    if result.errors and not workflows:
        raise CliError(f"{target}: the workflow does not load:\n{_format_errors(result.errors)}")
    if result.errors and path.is_file():
        raise CliError(f"{target}: the workflow does not load:\n{_format_errors(result.errors)}")
    if not workflows and path.is_file() and result.packs:
        raise CliError(
            f"{target}: no workflow found: this file of pack '{next(iter(result.packs))}' defines an action, "
            "not a workflow (an action runs as a workflow only with `workflow_file`)"
        )
    if not workflows:
        raise CliError(f"{target}: no workflow found")
    raise CliError(f"{target} holds several workflows; pick one with --ref: {', '.join(sorted(workflows))}")


def parse_value(text: str) -> Any:
    """YAML scalar/collection syntax for convenience; anything unparsable stays text."""
    import yaml

    try:
        return yaml.safe_load(text) if text.strip() else text
    except yaml.YAMLError:
        return text


def parse_params(pairs: Sequence[str], params_file: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if params_file:
        import yaml

        try:
            loaded = yaml.safe_load(Path(params_file).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CliError(f"--params-file {params_file}: {exc}") from None
        if loaded is not None and not isinstance(loaded, Mapping):
            raise CliError(f"--params-file {params_file}: expected a mapping, got {type(loaded).__name__}")
        params.update(loaded or {})
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"-p {pair!r}: expected KEY=VALUE")
        params[key.strip()] = parse_value(value)
    return params


def apply_defaults(workflow: WorkflowSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """reference 1.4: defaults fill missing or null parameters; a missing required one is an error."""
    values = dict(params)
    unknown = sorted(set(values) - set(workflow.parameters))
    if unknown and workflow.parameters:
        known = ", ".join(workflow.parameters)
        raise CliError(f"unknown parameter(s) {', '.join(unknown)} for {workflow.ref} (known: {known})")
    for name, spec in workflow.parameters.items():
        if values.get(name) is None and spec.has_default:
            values[name] = spec.default
        if values.get(name) is None and spec.required:
            raise CliError(f"parameter {name!r} of {workflow.ref} is required (pass -p {name}=...)")
    return values


def to_json(value: Any, *, indent: int | None = 2) -> str:
    """JSON of plain values and the store's lazy views (any Sequence / Mapping)."""
    return json.dumps(to_plain(value), indent=indent, default=_json_text, ensure_ascii=False)


def _json_text(value: Any) -> str:
    """Text for what JSON has no type for: bytes decoded, anything else as ``str``."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes | bytearray) else str(value)


