"""Load-time template checks (SPEC 10.6).

Every template string is parsed when the file loads, so a syntax error surfaces as a load
error with the file and line of the YAML scalar instead of a failed task hours later. A
``task.<x>`` reference to a task that does not exist is a warning (it renders as an error at
run time). Results are memoised: workflow files repeat the same templates (``{{ succeeded() }}``)
and Jinja's parser costs ~0.1 ms per template, which adds up over a DAG folder.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any

from attune_provider.expressions.engine import ExpressionSyntaxError, check_template, referenced_tasks
from attune_provider.spec.report import Report, is_template
from attune_provider.spec.yaml_source import YamlPath, format_path

# ``{{ a.b }}``, ``{{ f() }}``, ``{{ result().x.y }}``: always valid Jinja, no parser needed
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_SIMPLE_PATH = re.compile(
    r"\s*[A-Za-z_]\w*(?:\s*\(\s*\))?(?:\s*\.\s*[A-Za-z_]\w*(?:\s*\(\s*\))?)*\s*", re.ASCII
)
_NAME = re.compile(r"[A-Za-z_]\w*", re.ASCII)
_TASK_ACCESS = re.compile(r"\btasks?\s*[.\[]")
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


@lru_cache(maxsize=8192)
def template_facts(text: str) -> tuple[str | None, int | None, frozenset[str]]:
    """(syntax error message or None, line inside the template, task names it references)."""
    simple = _simple_facts(text)
    if simple is not None:
        return None, None, simple
    try:
        check_template(text)
    except ExpressionSyntaxError as exc:
        return exc.message, exc.lineno, frozenset()
    if not _TASK_ACCESS.search(text):
        return None, None, frozenset()
    return None, None, frozenset(referenced_tasks(text))


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

    def check(self, task_names: Collection[str]) -> None:
        """Parse every collected template; report syntax errors and unknown task references."""
        names = frozenset(task_names)
        for path, text in self._pending:
            message, _lineno, referenced = template_facts(text)
            if message is not None:
                self.report.error(
                    path,
                    f"invalid template in '{format_path(path)}': {message}",
                    "templates use Jinja2 syntax: {{ expression }} and {% statement %}",
                )
                continue
            for name in sorted(referenced - names):
                self.report.warn(
                    path,
                    f"'{format_path(path)}' references task '{name}', which is not a task of this workflow",
                    "unknown-task-reference",
                )
