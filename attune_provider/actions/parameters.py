"""Defaults and validation of action input against attune's flat parameter schema (reference 1.4).

Every action kind goes through :func:`prepare_parameters` before it starts, so a missing
required parameter or a wrong type fails with the parameter's name before any process,
request or callable runs. The flat schema is converted to a JSON schema and checked with
``jsonschema``; secret values are never quoted in messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import jsonschema

from attune_provider.actions.masking import secret_strings as secret_values
from attune_provider.spec.model import ParameterSpec
from attune_provider.spec.parameters import ATTUNE_KEYWORDS, is_any_type

__all__ = [
    "ActionParameterError",
    "apply_defaults",
    "field_schema",
    "flat_parameters",
    "prepare_parameters",
    "secret_values",
    "to_json_schema",
    "validate_parameters",
]

# keys of a flat field that are attune's own, not JSON-schema keywords
_ATTUNE_KEYS = ATTUNE_KEYWORDS


def _is_object(_checker: Any, instance: Any) -> bool:
    return isinstance(instance, Mapping)


def _is_array(_checker: Any, instance: Any) -> bool:
    return isinstance(instance, Sequence) and not isinstance(instance, str | bytes | bytearray)


# rendered input may hold read-only views (result-store LazyMapping/LazySequence, tuples):
# they are objects and arrays for validation just like dict and list
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"object": _is_object, "array": _is_array}
    ),
)


class ActionParameterError(ValueError):
    """Input that does not satisfy an action's parameter schema; names every bad parameter."""

    def __init__(self, ref: str, problems: list[str]):
        self.ref = ref
        self.problems = problems
        super().__init__(f"action '{ref}': invalid input: " + "; ".join(problems))

    def __reduce__(self):
        return (type(self), (self.ref, self.problems))


def flat_parameters(raw: Mapping[str, Mapping[str, Any]]) -> Mapping[str, ParameterSpec]:
    """Build ParameterSpecs from a flat schema written in code (core and Python actions)."""
    specs: dict[str, ParameterSpec] = {}
    for name, field in raw.items():
        schema = {key: value for key, value in field.items() if key not in _ATTUNE_KEYS}
        declared = field.get("type")
        if is_any_type(declared):
            schema.pop("type", None)
            declared = None
        specs[name] = ParameterSpec(
            name=name,
            type=declared,
            required=bool(field.get("required", False)),
            has_default="default" in field,
            default=field.get("default"),
            secret=bool(field.get("secret", False)),
            description=field.get("description"),
            enum=tuple(field["enum"]) if "enum" in field else None,
            schema=MappingProxyType(schema),
        )
    return MappingProxyType(specs)


def field_schema(spec: ParameterSpec) -> dict[str, Any]:
    """The JSON schema of one flat field (``schema`` when the loader filled it, else rebuilt)."""
    schema = dict(spec.schema)
    if spec.type is not None:
        schema.setdefault("type", spec.type)
    if spec.enum is not None:
        schema.setdefault("enum", list(spec.enum))
    if spec.has_default:
        schema.setdefault("default", spec.default)
    return schema


def to_json_schema(parameters: Mapping[str, ParameterSpec]) -> dict[str, Any]:
    """Flat schema -> ``{"type": "object", "properties": ..., "required": [...]}``.

    Extra input keys are allowed: attune passes a workflow's parameters to a task without
    ``input``, so actions must tolerate keys they do not declare.
    """
    return {
        "type": "object",
        "properties": {name: field_schema(spec) for name, spec in parameters.items()},
        "required": [name for name, spec in parameters.items() if spec.required],
    }


def apply_defaults(parameters: Mapping[str, ParameterSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults fill missing or null parameters (reference 1.4); undeclared keys pass through."""
    filled = dict(values)
    for name, spec in parameters.items():
        if filled.get(name) is None and spec.has_default:
            filled[name] = spec.default
    return filled


def _problem(error: jsonschema.ValidationError, parameters: Mapping[str, ParameterSpec]) -> str:
    path = list(error.absolute_path)
    if error.validator == "required" and not path:
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required parameter '{missing}'"
    name = str(path[0]) if path else "?"
    where = name + "".join(f"[{part!r}]" for part in path[1:])
    spec = parameters.get(name)
    if spec is not None and spec.secret:
        # never quote a secret value: report only the rule that failed
        return f"parameter '{where}' (secret) fails '{error.validator}' = {error.validator_value!r}"
    return f"parameter '{where}': {error.message}"


def validate_parameters(ref: str, parameters: Mapping[str, ParameterSpec], values: Mapping[str, Any]) -> None:
    """Raise :class:`ActionParameterError` listing every problem, in parameter order.

    A null value of an optional parameter counts as "not given" (the schema type is not
    applied to it); a null required parameter is missing.
    """
    given = {key: value for key, value in values.items() if value is not None}
    validator = _Validator(to_json_schema(parameters))
    order = {name: index for index, name in enumerate(parameters)}
    errors = sorted(
        validator.iter_errors(given),
        key=lambda e: (order.get(str(next(iter(e.absolute_path), "")), -1), str(e.message)),
    )
    if errors:
        raise ActionParameterError(ref, [_problem(error, parameters) for error in errors])


def prepare_parameters(
    ref: str, parameters: Mapping[str, ParameterSpec], values: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Defaults, then validation: the input an action actually receives."""
    filled = apply_defaults(parameters, values or {})
    validate_parameters(ref, parameters, filled)
    return filled
