"""The parameter document a pack action reads, byte for byte as attune's worker writes it.

attune (``crates/worker/src/runtime/parameter_passing.rs``) serializes the parameters with
``serde_json::to_string`` (compact, one line), ``serde_yaml_ng::to_string`` or its own dotenv
writer, and ``process_executor.rs`` writes the document plus one ``\\n`` to stdin, then closes
it. Scripts rely on that (``json.loads(sys.stdin.readline())``), so this module reproduces:

* numbers as ryu prints them (``1.0``, ``1e16``, ``1e-7``); NaN/inf become null
  (``serde_json::Value`` cannot hold them);
* object keys sorted (serde_json's ``Map`` is a ``BTreeMap``; attune's top-level ``HashMap``
  has no order, this provider sorts it too);
* YAML scalar styles of serde_yaml: strings that would read back as null/bool/int/float are
  single-quoted, strings with a newline are literal blocks, the rest is left to libyaml
  (emitted here by PyYAML's libyaml binding, the same emitter);
* dotenv: ``key='value'`` lines sorted as whole lines, ``'`` written ``'\\''``, nested keys
  dotted, arrays as JSON text, null empty, empty objects omitted. attune writes keys raw; a
  key a shell would not read as one word is refused here (:class:`DotenvKeyError`), because
  shell actions ``eval`` these lines.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import yaml

from attune_provider.expressions.serde_json_text import compact_json, json_number, plain

PARAMETER_FORMATS = ("json", "yaml", "dotenv")
__all__ = ["PARAMETER_FORMATS", "DotenvKeyError", "compact_json", "json_number", "parameter_document", "plain"]

#: each key (top-level or nested) of a dotenv document: stays one inert word in
#: ``eval``/``source`` (attune's own dotted/hyphenated ``headers.Content-Type`` included)
QUOTE = "'"
ESCAPED_QUOTE = "'\\''"
SAFE_DOTENV_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


class DotenvKeyError(ValueError):
    """A key that would break out of a ``key='value'`` line in a shell."""


# -- YAML ---------------------------------------------------------------------------------
_STR = "tag:yaml.org,2002:str"
_NULLS = frozenset({"~", "null", "Null", "NULL"})
_BOOLS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_FLOAT_SPECIAL = frozenset({".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"})
_INTEGER = re.compile(r"[+-]?(?:0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+|0|[1-9][0-9]*)")
_RUST_FLOAT = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RADIX = {"0x": 16, "0o": 8, "0b": 2}


def _reads_as_integer(text: str) -> bool:
    """serde_yaml ``visit_int``: decimal without leading zeros, or 0x/0o/0b, within 128 bits."""
    if _INTEGER.fullmatch(text) is None:
        return False
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    number = int(body[2:], _RADIX[body[:2]]) if body[:2] in _RADIX else int(body)
    return number < 2**128 if sign > 0 else number <= 2**127


def yaml_reads_as_non_string(text: str) -> bool:
    """serde_yaml ``visit_untagged_scalar``: would this plain text load as null/bool/number?"""
    if text == "" or text in _NULLS or text in _BOOLS or text in _FLOAT_SPECIAL:
        return True
    if _reads_as_integer(text):
        return True
    body = text.lstrip("-+")
    if len(body) > 1 and body.startswith("0") and body[1:].isdigit():
        return False  # YAML 1.2: leading zeros make it a string
    unpositive = text[1:] if text.startswith("+") else text
    if text.startswith("+") and unpositive[:1] in ("+", "-"):
        return False
    if unpositive in (".inf", ".Inf", ".INF"):
        return True
    if _RUST_FLOAT.fullmatch(unpositive) is None:
        return False
    return math.isfinite(float(unpositive))


class _SerdeYamlDumper(yaml.CDumper if hasattr(yaml, "CDumper") else yaml.Dumper):  # type: ignore[misc]
    """libyaml emitter; every scalar tagged str (implicit), styles chosen as serde_yaml does."""

    yaml_implicit_resolvers: dict = {}  # resolve every scalar to the default (str) tag

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _scalar(dumper: yaml.BaseDumper, text: str, style: str | None = None) -> yaml.ScalarNode:
    return yaml.ScalarNode(_STR, text, style=style)


def _represent_str(dumper: yaml.BaseDumper, text: str) -> yaml.ScalarNode:
    if "\n" in text:
        return _scalar(dumper, text, "|")
    return _scalar(dumper, text, "'" if yaml_reads_as_non_string(text) else None)


def _represent_dict(dumper: yaml.BaseDumper, data: dict) -> yaml.MappingNode:
    items = [(dumper.represent_data(key), dumper.represent_data(data[key])) for key in sorted(data)]
    return yaml.MappingNode("tag:yaml.org,2002:map", items, flow_style=False)


def _represent_list(dumper: yaml.BaseDumper, data: list) -> yaml.SequenceNode:
    return yaml.SequenceNode(
        "tag:yaml.org,2002:seq", [dumper.represent_data(i) for i in data], flow_style=False
    )


_SerdeYamlDumper.yaml_representers = {
    str: _represent_str,
    dict: _represent_dict,
    list: _represent_list,
    bool: lambda d, v: _scalar(d, "true" if v else "false"),
    int: lambda d, v: _scalar(d, json_number(v)),
    float: lambda d, v: _scalar(d, json_number(v)),
    type(None): lambda d, v: _scalar(d, "null"),
}


def serde_yaml(value: Any) -> str:
    """``serde_yaml_ng::to_string`` of plain data (ends with a newline)."""
    return yaml.dump(value, Dumper=_SerdeYamlDumper, allow_unicode=True, sort_keys=False)


# -- dotenv -------------------------------------------------------------------------------
def _dotenv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json_number(value)
    if isinstance(value, str):
        return value
    return compact_json(value)


def _flatten(prefix: str, values: dict, out: list[tuple[str, str]], bad: list[str]) -> None:
    for key, value in values.items():
        full = f"{prefix}.{key}" if prefix else key
        if SAFE_DOTENV_KEY.fullmatch(key) is None:
            bad.append(full)
        if isinstance(value, dict):
            _flatten(full, value, out, bad)
        else:
            out.append((full, _dotenv_text(value)))


def dotenv(values: dict) -> str:
    """attune's ``format_dotenv``: sorted ``key='value'`` lines joined by newlines."""
    pairs: list[tuple[str, str]] = []
    bad: list[str] = []
    _flatten("", values, pairs, bad)
    if bad:
        raise DotenvKeyError(
            f"parameter_format dotenv cannot carry the key {bad[0]!r}"
            + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else "")
            + ": a dotenv key may only use letters, digits, '_', '.' and '-' (a shell that "
            "evals the document would run the rest); pass such data inside a list or use "
            "parameter_format json"
        )
    lines = [f"{key}='{text.replace(QUOTE, ESCAPED_QUOTE)}'" for key, text in pairs]
    return "\n".join(sorted(lines))


def parameter_document(values: Mapping[str, Any], fmt: str) -> str:
    """The document attune's ``format_parameters`` returns (no stdin newline added)."""
    data = plain(values)
    if fmt == "json":
        return compact_json(data)
    if fmt == "yaml":
        return serde_yaml(data)
    if fmt == "dotenv":
        return dotenv(data)
    raise ValueError(f"unknown parameter_format {fmt!r}; expected one of {', '.join(PARAMETER_FORMATS)}")


def stdin_bytes(values: Mapping[str, Any], fmt: str) -> bytes:
    """What attune writes to a stdin-delivery action: the document, one newline, then EOF."""
    return (parameter_document(values, fmt) + "\n").encode("utf-8")
