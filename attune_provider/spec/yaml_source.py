"""YAML loading that remembers where every value came from.

PyYAML's ``safe_load`` throws the node marks away, and silently keeps the last of two equal
keys. Validation needs both: "where is ``tasks[3].next[0].do[1]``" for its messages, and a
duplicate key is a mistake the user must hear about. So we compose the node graph (with the
libyaml C parser when available), build plain Python values ourselves, and keep a side table
``path -> (line, column)`` (1-based) for every mapping key, mapping value and sequence item.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Hashable
from typing import Any, cast

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from attune_provider.spec.codes import DUPLICATE_KEY, FILE_UNREADABLE, INPUT_LIMIT, YAML_SYNTAX
from attune_provider.spec.errors import LoadError, SpecError
from attune_provider.spec.limits import LoaderLimits, setting_hint
from attune_provider.spec.model import Location

try:  # libyaml is ~10x faster; the pure-Python parser gives identical nodes and marks
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

YamlPath = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"

__all__ = ["YamlDocument", "YamlPath", "format_path", "parse_yaml", "read_yaml"]


def format_path(path: YamlPath) -> str:
    """``('tasks', 3, 'next', 0)`` -> ``tasks[3].next[0]`` (for messages)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class YamlDocument:
    """A parsed YAML file: plain ``data`` plus the location of every key, value and item."""

    __slots__ = ("_keys", "_values", "data", "file", "raw")

    def __init__(
        self,
        file: str,
        data: Any,
        values: dict[YamlPath, tuple[int, int]],
        keys: dict[YamlPath, tuple[int, int]],
        raw: bytes = b"",
    ) -> None:
        self.file = file
        self.data = data
        self.raw = raw
        self._values = values
        self._keys = keys

    def loc(self, path: YamlPath = ()) -> Location:
        """Where the value at ``path`` starts; falls back to the nearest known parent."""
        return self._find(self._values, path)

    def key_loc(self, path: YamlPath) -> Location:
        """Where the mapping key that ends ``path`` is written (the value's place for items)."""
        mark = self._keys.get(path)
        if mark is not None:
            return Location(self.file, *mark)
        return self.loc(path)

    def _find(self, table: dict[YamlPath, tuple[int, int]], path: YamlPath) -> Location:
        while True:
            mark = table.get(path)
            if mark is not None:
                return Location(self.file, *mark)
            if not path:
                return Location(self.file, 1, 1)  # the document itself (even an empty one)
            path = path[:-1]


def read_yaml(path: str | Any) -> YamlDocument:
    """Read and parse one file; raises ``LoadError`` with file, line and column on bad YAML.

    A file above ``[attune] max_document_bytes`` is refused before it is read.
    """
    file = str(path)
    limits = LoaderLimits.current()
    try:
        with open(file, "rb") as handle:
            raw = handle.read(limits.max_document_bytes + 1)
            if len(raw) > limits.max_document_bytes:
                size = os.fstat(handle.fileno()).st_size
                raise LoadError([_too_big(file, max(size, len(raw)), limits)])
    except OSError as exc:
        raise LoadError(
            [SpecError(Location(file), f"cannot read file: {exc.strerror or exc}", code=FILE_UNREADABLE)]
        ) from exc
    return parse_yaml(raw, file, limits=limits)


def _too_big(file: str, size: int, limits: LoaderLimits) -> SpecError:
    return SpecError(
        Location(file),
        f"document is {size} bytes, above the limit of {limits.max_document_bytes} bytes",
        setting_hint("max_document_bytes", limits.max_document_bytes),
        INPUT_LIMIT,
    )


def parse_yaml(raw: bytes | str, file: str = "<string>", *, limits: LoaderLimits | None = None) -> YamlDocument:
    """Parse YAML text; every duplicate key in every mapping is reported, not only the first.

    Bounded by ``limits`` (default: the current ``[attune]`` settings): document size, nesting
    depth and the number of values alias references may expand to.
    """
    limits = limits or LoaderLimits.current()
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > limits.max_document_bytes:
        raise LoadError([_too_big(file, len(raw), limits)])
    paused = gc.isenabled()  # no cycles are built here; collecting while building doubles the time
    gc.disable()
    try:
        builder, data = _compose_and_build(raw, file, limits)
    finally:
        if paused:
            gc.enable()
    if builder.errors:
        raise LoadError(builder.errors)
    return YamlDocument(file, data, builder.values, builder.keys, raw)


def _compose_and_build(raw: bytes, file: str, limits: LoaderLimits) -> tuple[_Builder, Any]:
    """Compose the node graph (libyaml) and turn it into plain values with locations."""
    loader = _Loader(raw)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise LoadError([_marked_error(file, exc)]) from exc
    except yaml.reader.ReaderError as exc:  # bad encoding / control character: no mark, a byte position
        before = raw[: exc.position]
        location = Location(file, before.count(b"\n") + 1, len(before) - before.rfind(b"\n"))
        raise LoadError(
            [SpecError(location, f"invalid YAML: {exc.reason}", "save the file as UTF-8 text", YAML_SYNTAX)]
        ) from exc
    except yaml.YAMLError as exc:
        raise LoadError([SpecError(Location(file), f"invalid YAML: {exc}", code=YAML_SYNTAX)]) from exc
    finally:
        loader.dispose()
    builder = _Builder(file, limits)
    try:
        data = builder.build(node, ()) if node is not None else None
    except ConstructorError as exc:
        raise LoadError([_marked_error(file, exc)]) from exc
    except _LimitExceeded as exc:
        raise LoadError([exc.error]) from None
    return builder, data


def _marked_error(file: str, exc: yaml.MarkedYAMLError) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    location = Location(file, mark.line + 1, mark.column + 1) if mark is not None else Location(file)
    problem = exc.problem or exc.context or "cannot parse"
    hint = None
    if exc.context and exc.problem:
        hint = exc.context
        if exc.context_mark is not None and exc.context_mark is not mark:
            hint += f" started at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
    return SpecError(location, f"invalid YAML: {problem}", hint, YAML_SYNTAX)


class _LimitExceeded(Exception):
    """A loader bound was hit; carries the located error (never escapes ``parse_yaml``)."""

    def __init__(self, error: SpecError) -> None:
        self.error = error
        super().__init__(str(error))


class _Builder:
    """Turns composed nodes into dicts/lists/scalars and records marks along the way.

    Aliases are counted: a collection built a second time is an alias expansion, and every
    value built inside one uses up ``max_yaml_alias_nodes``. Depth is checked per level.
    """

    def __init__(self, file: str, limits: LoaderLimits) -> None:
        self.file = file
        self.values: dict[YamlPath, tuple[int, int]] = {}
        self.keys: dict[YamlPath, tuple[int, int]] = {}
        self.errors: list[SpecError] = []
        self._constructor = SafeConstructor()
        self._active: set[int] = set()
        self._built: set[int] = set()
        self._limits = limits
        self._alias_level = 0
        self._alias_budget = limits.max_yaml_alias_nodes
        self._alias_site = (1, 1)

    def build(self, node: Node, path: YamlPath, depth: int = 0) -> Any:
        mark = node.start_mark
        self.values[path] = (mark.line + 1, mark.column + 1)
        if self._alias_level:
            self._alias_budget -= 1
            if self._alias_budget < 0:
                self._limit(self._alias_site, "max_yaml_alias_nodes", self._limits.max_yaml_alias_nodes,
                            "aliases (*name) expand to more than {} values")  # fmt: skip
        if isinstance(node, ScalarNode):
            return node.value if node.tag == _STR else self._scalar(node)
        if depth >= self._limits.max_yaml_depth:
            self._limit((mark.line + 1, mark.column + 1), "max_yaml_depth", self._limits.max_yaml_depth,
                        "nesting is more than {} levels deep")  # fmt: skip
        key = id(node)
        if key in self._active:
            raise ConstructorError(None, None, "recursive YAML alias is not supported", node.start_mark)
        repeat = key in self._built
        if repeat and not self._alias_level:  # where the outermost alias is used
            self._alias_site = self.values.get(path[:-1], (mark.line + 1, mark.column + 1))
        self._alias_level += repeat
        self._active.add(key)
        try:
            if isinstance(node, SequenceNode) and node.tag == _SEQ:
                return [self.build(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]
            if isinstance(node, MappingNode) and node.tag == _MAP:
                return self._mapping(node, path, depth)
            # other explicit tags (!!set, !!omap, ...): fall back to PyYAML, without inner marks
            return self._constructor.construct_object(node, deep=True)
        finally:
            self._active.discard(key)
            self._built.add(key)
            self._alias_level -= repeat

    def _limit(self, at: tuple[int, int], option: str, value: int, message: str) -> None:
        error = SpecError(
            Location(self.file, *at), message.format(value), setting_hint(option, value), INPUT_LIMIT
        )
        raise _LimitExceeded(error)

    def _scalar(self, node: ScalarNode) -> Any:
        """int/float/bool/null/timestamp via PyYAML's safe constructors; unknown tags raise."""
        construct: Any = _SCALAR_CONSTRUCTORS.get(node.tag, _UNDEFINED)
        try:
            return construct(self._constructor, node)
        except (ValueError, OverflowError) as exc:  # a 5000-digit integer: Python refuses to parse it
            shown = node.value if len(node.value) <= 24 else f"{node.value[:12]}...{node.value[-6:]}"
            raise ConstructorError(
                None, None, f"cannot read the number {shown} ({len(node.value)} characters): {exc}", node.start_mark
            ) from None

    def _mapping(self, node: MappingNode, path: YamlPath, depth: int) -> dict[Any, Any]:
        pairs = node.value
        check_duplicates = True
        if any(key_node.tag == _MERGE for key_node, _ in pairs):
            self._explicit_duplicates(node, path)
            self._constructor.flatten_mapping(node)  # resolves ``<<: *anchor``; explicit keys win
            pairs, check_duplicates = node.value, False
        result: dict[Any, Any] = {}
        keys = self.keys
        for key_node, value_node in pairs:
            key = (
                key_node.value
                if type(key_node) is ScalarNode and key_node.tag == _STR
                else self._key(key_node)
            )
            mark = key_node.start_mark
            child = cast(YamlPath, (*path, key))  # keys are mostly text; any scalar is kept as is
            if check_duplicates and key in result:
                self._duplicate(key, path, (mark.line + 1, mark.column + 1), keys[child][0])
                continue
            keys[child] = (mark.line + 1, mark.column + 1)
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def _explicit_duplicates(self, node: MappingNode, path: YamlPath) -> None:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self._key(key_node)
            mark = key_node.start_mark
            if key in first_line:
                self._duplicate(key, path, (mark.line + 1, mark.column + 1), first_line[key])
            else:
                first_line[key] = mark.line + 1

    def _duplicate(self, key: Any, path: YamlPath, at: tuple[int, int], first_line: int) -> None:
        self.errors.append(
            SpecError(
                Location(self.file, *at),
                f"duplicate key {key!r} in mapping{_where(path)} (first defined at line {first_line})",
                "YAML would silently keep only the last value; remove or rename one of them",
                DUPLICATE_KEY,
            )
        )

    def _key(self, key_node: Node) -> Hashable:
        if isinstance(key_node, ScalarNode):
            key = key_node.value if key_node.tag == _STR else self._scalar(key_node)
        else:
            key = self.build(key_node, ("<key>",), self._limits.max_yaml_depth - 1)
        if not isinstance(key, Hashable):
            raise ConstructorError(
                None, None, "a mapping key must be a scalar (text or number)", key_node.start_mark
            )
        return key


_SCALAR_CONSTRUCTORS = SafeConstructor.yaml_constructors
_UNDEFINED = SafeConstructor.yaml_constructors[None]


def _where(path: YamlPath) -> str:
    return f" '{format_path(path)}'" if path else ""
