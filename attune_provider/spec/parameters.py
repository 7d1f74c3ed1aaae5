"""attune's flat parameter schema (reference 1.4) -> ``ParameterSpec`` per field.

attune writes ``name: {type, required: true, default, secret: true, ...}`` directly under
``parameters`` (no ``properties`` wrapper, a per-field ``required`` boolean). The JSON-schema
keywords of a field are kept in ``ParameterSpec.schema`` so the compiler can build an
``airflow.sdk.Param`` that validates the trigger form.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from attune_provider.spec.action_checks import shown_type, value_matches_type
from attune_provider.spec.model import EMPTY, ParameterSpec
from attune_provider.spec.report import Report, type_name
from attune_provider.spec.yaml_source import YamlPath

JSON_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})
#: attune's "no constraint" type (packs write `type: any`); not a JSON-schema type, so it never
#: reaches a schema: the field accepts every JSON value
ANY_TYPE = "any"
PARAMETER_TYPES = JSON_TYPES | {ANY_TYPE}

# JSON-schema keywords (draft 2020-12 validation + annotations) a field may carry
SCHEMA_KEYWORDS = frozenset(
    {
        "type", "enum", "const", "default", "description", "title", "examples", "format",
        "items", "prefixItems", "properties", "additionalProperties", "patternProperties",
        "propertyNames", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems",
        "uniqueItems", "contains", "minContains", "maxContains", "minProperties",
        "maxProperties", "dependentRequired", "dependentSchemas", "oneOf", "anyOf", "allOf",
        "not", "if", "then", "else", "$ref", "$defs", "definitions", "readOnly", "writeOnly",
        "deprecated", "nullable", "contentMediaType", "contentEncoding",
    }
)  # fmt: skip
# attune's flat-schema extensions, stripped before JSON-schema validation
# (crates/api/src/validation/params.rs, flat_to_json_schema: required, secret, position)
ATTUNE_KEYWORDS = frozenset({"required", "secret", "position"})
FIELD_KEYS = SCHEMA_KEYWORDS | ATTUNE_KEYWORDS


def is_any_type(declared: Any) -> bool:
    """``type: any`` (or a type list naming ``any``): the field takes every JSON value."""
    return declared == ANY_TYPE or (isinstance(declared, list) and ANY_TYPE in declared)


def parse_parameters(report: Report, path: YamlPath, value: Any) -> dict[str, ParameterSpec]:
    """Parse a ``parameters`` / ``conf_schema`` block; problems go into ``report``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        report.error(
            path,
            f"'{path[-1]}' must be a mapping of parameter name to schema, got {type_name(value)}",
            "write each parameter as `name: {type: string, required: true}`",
        )
        return {}
    properties, required = _unwrap_json_schema(report, path, value)
    fields_path = (*path, "properties") if properties is not value else path
    result: dict[str, ParameterSpec] = {}
    for name, field in properties.items():
        if name in required and isinstance(field, dict) and "required" not in field:
            field = {**field, "required": True}
        spec = _parse_field(report, (*fields_path, name), str(name), field)
        if spec is not None:
            result[str(name)] = spec
    return result


_WRAPPER_KEYS = frozenset(
    {"type", "properties", "required", "additionalProperties", "title", "description", "$schema"}
)


def _unwrap_json_schema(
    report: Report, path: YamlPath, value: dict[Any, Any]
) -> tuple[dict[Any, Any], set[Any]]:
    """The wrapped JSON-schema form (``type: object`` + ``properties`` + a ``required`` list),
    which attune stores as given and its docs keep for existing files, read as the flat form."""
    properties = value.get("properties")
    if value.get("type") != "object" or not isinstance(properties, dict) or not set(value) <= _WRAPPER_KEYS:
        return value, set()
    report.warn(
        path,
        f"'{path[-1]}' is a wrapped JSON schema (type: object, properties); read as attune's flat form "
        "(each property a parameter, the required list as required: true)",
        "wrapped-schema",
    )
    listed = value.get("required")
    if listed is not None and not (isinstance(listed, list) and all(isinstance(n, str) for n in listed)):
        report.error((*path, "required"), "'required' of a wrapped schema must be a list of property names")
        listed = []
    unknown = [name for name in listed or () if name not in properties]
    for name in unknown:
        report.error((*path, "required"), f"'required' names '{name}', which is not a property")
    return properties, set(listed or ())


def _parse_field(report: Report, path: YamlPath, name: str, field: Any) -> ParameterSpec | None:
    if field is None:
        field = {}
    if not isinstance(field, dict):
        report.error(
            path,
            f"parameter '{name}' must be a mapping of JSON-schema keywords, got {type_name(field)}",
            f"for example `{name}: {{type: string}}`",
        )
        return None
    report.unknown_keys(path, field, FIELD_KEYS, "parameter")
    ok = True
    type_ = field.get("type")
    if type_ is not None:
        types = type_ if isinstance(type_, list) else [type_]
        bad = [t for t in types if not isinstance(t, str) or t not in PARAMETER_TYPES]
        if bad:
            report.error(
                (*path, "type"),
                f"parameter '{name}' has unknown type {bad[0]!r}",
                "use one of " + ", ".join(sorted(PARAMETER_TYPES)),
            )
            ok = False
    required = field.get("required", False)
    schema: dict[str, Any] = {}
    if isinstance(required, list):  # JSON-schema style (object properties): keep as schema
        schema["required"] = required
        required = False
    elif not isinstance(required, bool):
        report.error(
            (*path, "required"),
            f"'required' of parameter '{name}' must be true or false, got {type_name(required)}",
        )
        ok = False
    secret = field.get("secret", False)
    if not isinstance(secret, bool):
        report.error(
            (*path, "secret"),
            f"'secret' of parameter '{name}' must be true or false, got {type_name(secret)}",
        )
        ok = False
    enum = field.get("enum")
    if enum is not None and not isinstance(enum, list):
        report.error((*path, "enum"), f"'enum' of parameter '{name}' must be a list, got {type_name(enum)}")
        ok = False
    description = field.get("description")
    if description is not None and not isinstance(description, str):
        report.error((*path, "description"), f"'description' of parameter '{name}' must be text")
        ok = False
    default = field.get("default")
    if default is not None and type_ is not None and not value_matches_type(default, type_):
        report.error(
            (*path, "default"),
            f"parameter '{name}': default {default!r} is {shown_type(default)}, not {type_}",
            "give a default of the declared type, or change the type",
        )
        ok = False
    if not ok:
        return None
    schema.update((key, val) for key, val in field.items() if key not in ATTUNE_KEYWORDS)
    if is_any_type(type_):
        del schema["type"]  # `any` (alone or in a list) = no type constraint
    return ParameterSpec(
        name=name,
        type=type_ if isinstance(type_, str) and type_ != ANY_TYPE else None,
        required=required,
        has_default="default" in field,
        default=field.get("default"),
        secret=secret,
        description=description,
        enum=tuple(enum) if enum is not None else None,
        schema=MappingProxyType(schema) if schema else EMPTY,
        location=report.doc.key_loc(path),
    )
