"""attune's flat parameter schema -> DAG ``params`` (one ``airflow.sdk.Param`` per field).

The JSON-schema keywords go on the Param so the trigger form validates input. A field with
a default also accepts null: SPEC 1.4 says defaults fill null values at run start (the runtime
does that), so a null must not be rejected first. A required field without default gets a
Param without default, which the trigger form requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attune_provider.runtime.values import plain
from attune_provider.spec.model import ParameterSpec

#: keywords Param/JSON schema understands; other keys (attune's own) stay out of the schema
_SCHEMA_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "items",
        "properties",
        "additionalProperties",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "examples",
        "title",
        "oneOf",
        "anyOf",
        "allOf",
        "not",
        "values_display",
        "description",
    }
)


def _nullable(schema_type: Any) -> Any:
    if schema_type is None:
        return None
    types = list(schema_type) if isinstance(schema_type, (list, tuple)) else [schema_type]
    if "null" not in types:
        types.append("null")
    return types


def _items_schema(value: Any) -> Any:
    """attune nests flat fields too (``items: {type: string, required: true}``): drop ``required``."""
    if isinstance(value, Mapping):
        return {
            k: _items_schema(v) for k, v in value.items() if not (k == "required" and isinstance(v, bool))
        }
    return value


def param_schema(spec: ParameterSpec) -> dict[str, Any]:
    schema = {key: plain(value) for key, value in spec.schema.items() if key in _SCHEMA_KEYWORDS}
    if "items" in schema:
        schema["items"] = _items_schema(schema["items"])
    if spec.type and "type" not in schema:
        schema["type"] = spec.type
    if spec.enum is not None and "enum" not in schema:
        schema["enum"] = list(spec.enum)
    if spec.description and "description" not in schema:
        schema["description"] = spec.description
    if spec.secret:
        schema["format"] = schema.get("format", "password")
    if spec.has_default or not spec.required:
        if "type" in schema:
            schema["type"] = _nullable(schema["type"])
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
    return schema


def build_params(parameters: Mapping[str, ParameterSpec]) -> dict[str, Any]:
    """``{name: Param}`` for the DAG constructor."""
    from airflow.sdk import Param

    params: dict[str, Any] = {}
    for name, spec in parameters.items():
        schema = param_schema(spec)
        description = schema.pop("description", None)
        if spec.has_default:
            params[name] = Param(plain(spec.default), description=description, **schema)
        elif spec.required:
            params[name] = Param(description=description, **schema)
        else:
            params[name] = Param(None, description=description, **schema)
    return params
