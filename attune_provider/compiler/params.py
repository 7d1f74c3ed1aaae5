"""attune's flat parameter schema -> DAG ``params`` (one ``airflow.sdk.Param`` per field).

The JSON-schema keywords go on the Param so the trigger form renders the right widget and
validates input (docs/ui.md, "Trigger form"):

* attune's per-field ``required: true`` inside ``properties`` (at any depth) becomes JSON
  schema's ``required: [names]`` list on the enclosing object; ``secret`` inside is dropped.
* An ``array`` without an item type gets "any JSON" items, so the form offers its JSON editor
  (it shows "one string per line" only when ``items.type`` is missing or ``string``, which
  turned ``{id: 1, name: web-1}`` into a string). A string array whose items have an ``enum``
  gets ``examples`` too, which the form renders as a multi-select.
* ``secret: true`` -> ``format: password`` and a description saying so; a secret's default is
  never put on the Param (it would be shown in clear in the form and the serialized DAG): the
  runtime fills it at run start, like every default of a null value (reference 1.4).
* A field with a default, or an optional one, also accepts null (filled at run start). A
  required field without default gets a Param without default, which the form requires.
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
        "required",
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

#: the item type of an array whose items attune leaves open: any JSON value
ANY_JSON = ["object", "array", "string", "number", "integer", "boolean", "null"]

SECRET_NOTE = "(secret"


def _nullable(schema_type: Any) -> Any:
    if schema_type is None:
        return None
    types = list(schema_type) if isinstance(schema_type, (list, tuple)) else [schema_type]
    if "null" not in types:
        types.append("null")
    return types


def nested_schema(value: Any) -> Any:
    """A flat attune field nested under ``items``/``properties`` -> plain JSON schema."""
    if not isinstance(value, Mapping):
        return plain(value)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "secret" or (key == "required" and isinstance(item, bool)):
            continue
        if key == "properties" and isinstance(item, Mapping):
            out[key] = {name: nested_schema(field) for name, field in item.items()}
            flagged = [
                str(name)
                for name, field in item.items()
                if isinstance(field, Mapping) and field.get("required") is True
            ]
            if flagged:
                listed = out.get("required") or value.get("required")
                known = list(listed) if isinstance(listed, list) else []
                out["required"] = known + [name for name in flagged if name not in known]
        elif key in ("items", "additionalProperties", "not"):
            out[key] = nested_schema(item)
        elif key in ("oneOf", "anyOf", "allOf") and isinstance(item, list):
            out[key] = [nested_schema(option) for option in item]
        else:
            out[key] = plain(item)
    return out


def _types(schema: Mapping[str, Any]) -> list[Any]:
    value = schema.get("type")
    return list(value) if isinstance(value, list) else [value]


def _shape_arrays(schema: dict[str, Any]) -> None:
    """Give open arrays "any JSON" items (JSON editor) and enum items a multi-select."""
    if "array" not in _types(schema):
        return
    items = schema.get("items")
    if not isinstance(items, dict):
        schema["items"] = {"type": list(ANY_JSON)}
        return
    if "type" not in items and not any(k in items for k in ("enum", "const", "oneOf", "anyOf", "$ref")):
        items["type"] = list(ANY_JSON)
    if isinstance(items.get("enum"), list) and "examples" not in schema:
        schema["examples"] = list(items["enum"])


def param_schema(spec: ParameterSpec) -> dict[str, Any]:
    """The JSON schema of one parameter as the Param (and so the trigger form) gets it."""
    raw = {key: value for key, value in spec.schema.items() if key in _SCHEMA_KEYWORDS}
    schema: dict[str, Any] = nested_schema(raw)
    if spec.type and "type" not in schema:
        schema["type"] = spec.type
    if spec.enum is not None and "enum" not in schema:
        schema["enum"] = list(spec.enum)
    _shape_arrays(schema)
    if spec.description and "description" not in schema:
        schema["description"] = spec.description
    if spec.secret:
        if "string" in _types(schema) or "type" not in schema:
            schema["format"] = schema.get("format", "password")
        note = SECRET_NOTE + ("; default set in the workflow)" if spec.has_default else ")")
        schema["description"] = f"{schema.get('description') or spec.name} {note}"
    if spec.has_default or not spec.required:
        if "type" in schema:
            schema["type"] = _nullable(schema["type"])
        # a required choice keeps its drop-down free of null (its default is preselected);
        # a secret's default is not on the Param, so there null stands for "use the default"
        offers_null = not spec.required or (spec.secret and spec.has_default)
        if offers_null and "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
    return schema


def build_params(parameters: Mapping[str, ParameterSpec]) -> dict[str, Any]:
    """``{name: Param}`` for the DAG constructor."""
    from airflow.sdk import Param

    params: dict[str, Any] = {}
    for name, spec in parameters.items():
        schema = param_schema(spec)
        description = schema.pop("description", None)
        if spec.has_default and not spec.secret:
            params[name] = Param(plain(spec.default), description=description, **schema)
        elif spec.required and not spec.has_default:
            params[name] = Param(description=description, **schema)
        else:
            params[name] = Param(None, description=description, **schema)
    return params
