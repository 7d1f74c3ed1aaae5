"""Load-time template checks (reference 10.6).

Every template string is parsed when the file loads, so a syntax error surfaces as a load
error with the file and line of the YAML scalar instead of a failed task hours later. A
``task.<x>`` reference to a task that does not exist is a warning (it renders as an error at
run time), and so is a ``parameters.<x>`` not among the declared parameters and a
``vars.<x>`` / ``variables.<x>`` / ``workflow.<x>`` neither in ``vars`` nor published by any
transition (``validate --strict`` fails on them, with file and line). Results are memoised: workflow files repeat the same templates (``{{ succeeded() }}``)
and Jinja's parser costs ~0.1 ms per template, which adds up over a DAG folder.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import nodes

from attune_provider.expressions.context import OUTCOME_FUNCTIONS
from attune_provider.expressions.engine import ExpressionSyntaxError, check_template, referenced_tasks
from attune_provider.expressions.functions import FUNCTIONS
from attune_provider.spec.codes import TEMPLATE_SYNTAX
from attune_provider.spec.report import Report, is_template
from attune_provider.spec.yaml_source import YamlPath, format_path

# ``{{ a.b }}``, ``{{ f() }}``, ``{{ result().x.y }}``: always valid Jinja, no parser needed
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_SIMPLE_PATH = re.compile(
    r"\s*[A-Za-z_]\w*(?:\s*\(\s*\))?(?:\s*\.\s*[A-Za-z_]\w*(?:\s*\(\s*\))?)*\s*", re.ASCII
)
_NAME = re.compile(r"[A-Za-z_]\w*", re.ASCII)
_TASK_ACCESS = re.compile(r"\btasks?\s*[.\[]")
_PARSER = jinja2.Environment(autoescape=False)
_KNOWN_CALLABLES = frozenset(FUNCTIONS) | OUTCOME_FUNCTIONS | frozenset(_PARSER.globals)
# Jinja keywords that cannot stand where a simple path puts a name
_KEYWORDS = frozenset({"and", "or", "not", "in", "is", "if", "else", "elif", "for", "recursive", "with"})


def _simple_facts(text: str) -> frozenset[str] | None:
    """Task refs of text whose every ``{{ }}`` is a plain path/call chain; None = ask Jinja."""
    pieces = _EXPRESSION.split(text)
    if any(marker in literal for literal in pieces[0::2] for marker in ("{{", "{%", "{#")):
        return None
    refs: set[str] = set()
    for expression in pieces[1::2]:
        if not _SIMPLE_PATH.fullmatch(expression):
            return None
        names = _NAME.findall(expression)
        if _KEYWORDS.intersection(names):
            return None
        if names[0] in ("task", "tasks") and len(names) > 1:
            if expression.lstrip()[len(names[0]) :].lstrip().startswith("("):
                return None
            refs.add(names[1])
    return frozenset(refs)


# ``{% import %}``, ``{% from %}``, ``{% include %}``, ``{% extends %}`` load other templates:
# attune has no template files, and the sandbox has no loader, so they can only fail at run time
_LOADING_STATEMENT = re.compile(r"\{%[-+]?\s*(import|from|include|extends)\b")


@lru_cache(maxsize=8192)
def template_facts(text: str) -> tuple[str | None, int | None, frozenset[str]]:
    """(error message or None, line inside the template, task names it references).

    Errors: syntax errors, template-loading statements and calls of unknown functions.
    """
    simple = _simple_facts(text)
    if simple is not None:
        unknown = _unknown_function(text) if "(" in text else None
        return (unknown, None, frozenset()) if unknown else (None, None, simple)
    loading = _LOADING_STATEMENT.search(text)
    if loading:
        return (
            f"'{{% {loading.group(1)} %}}' is not available: workflow templates cannot load other templates",
            text.count("\n", 0, loading.start()) + 1,
            frozenset(),
        )
    try:
        check_template(text)
    except ExpressionSyntaxError as exc:
        return exc.message, exc.lineno, frozenset()
    unknown = _unknown_function(text) if "(" in text else None
    if unknown:
        return unknown, None, frozenset()
    if not _TASK_ACCESS.search(text):
        return None, None, frozenset()
    return None, None, frozenset(referenced_tasks(text))


def _unknown_function(text: str) -> str | None:
    """The first ``name(...)`` call whose name is no attune function, Jinja global or macro."""
    try:
        tree = _PARSER.parse(text)
    except jinja2.TemplateSyntaxError:
        return None  # reported by check_template
    local = {macro.name for macro in tree.find_all(nodes.Macro)} | {"caller"}  # caller(): {% call %} blocks
    local.update(target.name for target in tree.find_all(nodes.Name) if target.ctx in ("store", "param"))
    for call in tree.find_all(nodes.Call):
        target = call.node
        if isinstance(target, nodes.Name) and target.name not in _KNOWN_CALLABLES and target.name not in local:
            close = difflib.get_close_matches(target.name, sorted(_KNOWN_CALLABLES), n=1, cutoff=0.7)
            suggestion = f"; did you mean '{close[0]}'?" if close else ""
            return f"unknown function '{target.name}()' (line {call.lineno}){suggestion}"
    return None


SHELL_QUOTE_FILTERS = frozenset({"shell_quote", "quote"})


@lru_cache(maxsize=2048)
def unquoted_expressions(text: str) -> tuple[int, ...]:
    """Lines of ``{{ }}`` outputs in ``text`` not ending in a ``shell_quote``/``quote`` filter.

    For shell commands: an unquoted value such as ``x; rm -rf ~`` becomes shell syntax.
    """
    try:
        tree = _PARSER.parse(text)
    except jinja2.TemplateSyntaxError:
        return ()
    lines = []
    for output in tree.find_all(nodes.Output):
        for node in output.nodes:
            if isinstance(node, nodes.TemplateData):
                continue
            if not (isinstance(node, nodes.Filter) and node.name in SHELL_QUOTE_FILTERS):
                lines.append(node.lineno)
    return tuple(lines)


#: namespaces whose keys ``validate`` checks against the workflow's declarations
PARAMETER_NAMESPACES = frozenset({"parameters"})
VARIABLE_NAMESPACES = frozenset({"vars", "variables", "workflow"})
_CHECKED_NAMESPACES = PARAMETER_NAMESPACES | VARIABLE_NAMESPACES


@lru_cache(maxsize=8192)
def namespace_references(text: str) -> frozenset[tuple[str, str]]:
    """``(namespace, key)`` for each ``parameters.x`` / ``vars.x`` (``['x']`` too) in ``text``."""
    if not any(namespace in text for namespace in _CHECKED_NAMESPACES):
        return frozenset()
    try:
        tree = _PARSER.parse(text)
    except jinja2.TemplateSyntaxError:
        return frozenset()  # reported by check_template
    shadowed = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    found: set[tuple[str, str]] = set()
    node: Any
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        base = node.node
        if not (isinstance(base, nodes.Name) and base.name in _CHECKED_NAMESPACES) or base.name in shadowed:
            continue
        if isinstance(node, nodes.Getattr):
            found.add((base.name, node.attr))
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            found.add((base.name, node.arg.value))
    return frozenset(found)


def _did_you_mean(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class TemplateChecker:
    """Checks the templates of one workflow document once the task names are known."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self._pending: list[tuple[YamlPath, str]] = []

    def collect(self, path: YamlPath, value: Any) -> None:
        """Remember every template string inside ``value`` (recursively through dicts/lists)."""
        if isinstance(value, str):
            if is_template(value):
                self._pending.append((path, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                self.collect((*path, key), item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.collect((*path, index), item)

    def check(
        self,
        task_names: Collection[str],
        parameter_names: Collection[str] | None = None,
        variable_names: Collection[str] | None = None,
    ) -> None:
        """Parse every collected template; report syntax errors and references to tasks,
        parameters and variables the workflow does not declare (None: that check is skipped)."""
        names = frozenset(task_names)
        for path, text in self._pending:
            message, _lineno, referenced = template_facts(text)
            if message is not None:
                self.report.error(
                    path,
                    f"invalid template in '{format_path(path)}': {message}",
                    "templates use Jinja2 syntax: {{ expression }} and {% statement %}",
                    code=TEMPLATE_SYNTAX,
                )
                continue
            for name in sorted(referenced - names):
                self.report.warn(
                    path,
                    f"'{format_path(path)}' references task '{name}', which is not a task of this workflow",
                    "unknown-task-reference",
                )
            self._check_names(path, text, parameter_names, variable_names)

    def _check_names(
        self,
        path: YamlPath,
        text: str,
        parameter_names: Collection[str] | None,
        variable_names: Collection[str] | None,
    ) -> None:
        for namespace, key in sorted(namespace_references(text)):
            if namespace in PARAMETER_NAMESPACES:
                if parameter_names is not None and key not in parameter_names:
                    self.report.warn(
                        path,
                        f"'{format_path(path)}' reads parameters.{key}, which is not a declared parameter"
                        + _did_you_mean(key, parameter_names),
                        "unknown-parameter-reference",
                    )
            elif variable_names is not None and key not in variable_names:
                self.report.warn(
                    path,
                    f"'{format_path(path)}' reads {namespace}.{key}, which is neither in vars nor "
                    "published by a transition" + _did_you_mean(key, variable_names),
                    "unknown-variable-reference",
                )
