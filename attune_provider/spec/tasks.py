"""One task entry -> ``TaskSpec`` (reference 3), with its transitions (reference 4).

Legacy transition fields (``on_success`` ... ``decision``, task-level ``publish``) are
normalised into ``next`` here, in the order reference 4.2 states, so no later layer ever sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from attune_provider.spec.codes import ATTUNE_REJECTS
from attune_provider.spec.model import EMPTY, TaskSpec, WaitFor
from attune_provider.spec.report import Report, is_int, is_template, type_name
from attune_provider.spec.task_options import MAX_SECONDS, parse_iterate_cache, parse_retry
from attune_provider.spec.templates import TemplateChecker, unquoted_expressions
from attune_provider.spec.transitions import TransitionParser
from attune_provider.spec.yaml_source import YamlPath

TASK_KEYS = frozenset(
    {
        "name", "action", "input", "next", "with_items", "with-items", "batch_size", "concurrency",
        "retry", "timeout", "join", "type", "wait_for", "when", "iterate_cache",
        "on_success", "on_failure", "on_complete", "on_timeout", "decision", "publish",
    }
)  # fmt: skip
# attune server concerns: accepted silently into TaskSpec.extra (plus every ``worker_*`` key)
EXTRA_KEYS = frozenset({"permission_set_refs", "permission_set_ref", "trace_tag_template", "__chart_meta__"})
TASK_TYPES = ("workflow", "parallel")
SHELL_ACTIONS = frozenset({"core.local", "core.shell"})
ITERATION_LIMITS = {"batch_size": 1000, "concurrency": 100}  # attune's validator bounds

# legacy field -> the `when` of the transition it becomes (reference 4.2, in this order)
# Airflow's GROUP_KEY_REGEX (each task compiles to a task group), leaving room for suffixes
_TASK_NAME = re.compile(r"^[\w-]{1,200}$")
# text read by attune's text rule without a warning (docs/expressions.md, "when")


@dataclass
class TaskParser:
    """Parses the task list of one document; remembers where each ``do`` target is written."""

    report: Report
    templates: TemplateChecker
    do_refs: list[tuple[YamlPath, str, str]] = field(default_factory=list)  # (path, source task, target)

    def __post_init__(self) -> None:
        self.transitions = TransitionParser(self.report, self.templates, self.do_refs)

    def parse(self, path: YamlPath, raw: Any, index: int) -> TaskSpec | None:
        report = self.report
        if not isinstance(raw, dict):
            report.error(
                path,
                f"task #{index + 1} must be a mapping, got {type_name(raw)}",
                "each task is `- name: <name>` followed by its fields",
            )
            return None
        name = raw.get("name")
        if name is None:
            report.error(path, f"task #{index + 1} has no 'name'", "add `name: <unique task name>`")
            return None
        if not isinstance(name, str) or not name.strip():
            report.error((*path, "name"), f"task #{index + 1} 'name' must be non-empty text, got {name!r}")
            return None
        errors_before = len(report.errors)
        if not _TASK_NAME.match(name):
            report.error(
                (*path, "name"),
                f"task name {name!r} cannot be an Airflow task group id",
                "use letters, digits, '_' and '-' only (at most 200 characters)",
            )
        task_type = self._type(path, name, raw.get("type"))
        self._unknown_keys(path, raw, task_type)
        extra = {
            key: value
            for key, value in raw.items()
            if key in EXTRA_KEYS or (isinstance(key, str) and key.startswith("worker_"))
        }
        if task_type == "parallel" and "tasks" in raw:
            extra["tasks"] = raw["tasks"]
        action = raw.get("action")
        if action is not None and (not isinstance(action, str) or not action.strip()):
            report.error((*path, "action"), f"task '{name}': 'action' must be an action ref like pack.name")
        task_input = self._input(path, name, raw)
        with_items = self._with_items(path, name, raw)
        self._usage_warnings(path, name, raw, action, task_input)
        spec = TaskSpec(
            name=name,
            action=action if isinstance(action, str) else None,
            input=task_input,
            next=self.transitions.parse(path, name, raw),
            with_items=with_items,
            batch_size=self._positive_int(path, name, raw, "batch_size"),
            concurrency=self._positive_int(path, name, raw, "concurrency"),
            retry=parse_retry(self.report, self.templates, (*path, "retry"), name, raw.get("retry")),
            timeout=self._timeout((*path, "timeout"), name, raw.get("timeout")),
            join=self._join(path, name, raw),
            type=task_type,
            wait_for=self._wait_for((*path, "wait_for"), name, raw.get("wait_for")),
            when=self._task_when(path, name, raw),
            iterate_cache=parse_iterate_cache(
                self.report, self.templates, (*path, "iterate_cache"), name, raw.get("iterate_cache")
            ),
            queue=self._queue(path, name, raw.get("worker_selector")),
            extra=MappingProxyType(extra) if extra else EMPTY,
            location=report.loc(path),
        )
        return spec if len(report.errors) == errors_before else None

    # --- simple fields -------------------------------------------------------------------

    def _usage_warnings(
        self, path: YamlPath, name: str, raw: dict[Any, Any], action: Any, task_input: Any
    ) -> None:
        """Accepted by attune but almost surely a mistake: ignored ``batch_size``, unquoted ``cmd``."""
        iterated = "with_items" in raw or "with-items" in raw or raw.get("iterate_cache") is not None
        if raw.get("iterate_cache") is not None and ("with_items" in raw or "with-items" in raw):
            self.report.warn(
                (*path, "with_items" if "with_items" in raw else "with-items"),
                f"task '{name}' has both iterate_cache and with_items; attune iterates the cache and "
                "ignores with_items, so does the provider",
                "ignored-with-items",
                at_key=True,
            )
        for key, top in ITERATION_LIMITS.items():
            value = raw.get(key)
            if value is None:
                continue
            if not iterated:
                self.report.warn(
                    (*path, key),
                    f"task '{name}': '{key}' without 'with_items' has no effect (attune ignores it)",
                    f"ignored-{key.replace('_', '-')}",
                    at_key=True,
                )
            elif is_int(value) and value > top:
                self.report.error(
                    (*path, key),
                    f"task '{name}': '{key}' must be between 1 and {top} (attune's limit), got {value}",
                )
        if isinstance(action, str) and action in SHELL_ACTIONS and task_input is not None:
            cmd = task_input.get("cmd")
            if is_template(cmd) and unquoted_expressions(cmd):
                self.report.warn(
                    (*path, "input", "cmd"),
                    f"task '{name}': a template in {action} 'cmd' is not passed through shell_quote: "
                    "a value like `x; rm -rf ~` would run as shell code",
                    "unquoted-shell-template",
                )

    def _unknown_keys(self, path: YamlPath, raw: dict[Any, Any], task_type: str | None) -> None:
        unknown = {
            key: None
            for key in raw
            if key not in TASK_KEYS
            and key not in EXTRA_KEYS
            and not (isinstance(key, str) and key.startswith("worker_"))
            and not (key == "tasks" and task_type == "parallel")
        }
        if unknown:
            self.report.unknown_keys(path, unknown, TASK_KEYS | EXTRA_KEYS, "task")

    def _type(self, path: YamlPath, name: str, value: Any) -> str | None:
        if value is None or value == "action":
            return None
        if value in TASK_TYPES:
            if value == "parallel":
                self.report.warn(
                    (*path, "type"),
                    f"task '{name}': 'type: parallel' is parsed but never executed (attune ignores it too)",
                    "not-executed",
                )
            return value
        self.report.error(
            (*path, "type"),
            f"task '{name}': unknown task type {value!r}",
            "use `type: workflow` for a nested workflow, or leave `type` out",
        )
        return None

    def _input(self, path: YamlPath, name: str, raw: dict[Any, Any]) -> Any:
        value = raw.get("input")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.report.error(
                (*path, "input"),
                f"task '{name}': 'input' must be a mapping of parameter name to value, got {type_name(value)}",
            )
            return None
        self.templates.collect((*path, "input"), value)
        return MappingProxyType(value)

    def _with_items(self, path: YamlPath, name: str, raw: dict[Any, Any]) -> Any:
        if "with_items" in raw and "with-items" in raw:
            self.report.error(
                (*path, "with-items"),
                f"task '{name}' has both 'with_items' and 'with-items'",
                "keep only `with_items`",
                at_key=True,
            )
            return None
        key = "with_items" if "with_items" in raw else "with-items"
        value = raw.get(key)
        if value is not None and not isinstance(value, (str, list, dict)):
            self.report.error(
                (*path, key),
                f"task '{name}': '{key}' must be a list or a template, got {type_name(value)} {value!r}",
                'e.g. `with_items: "{{ parameters.hosts }}"` or `with_items: [a, b]`',
            )
            return None
        if value is not None:
            self.templates.collect((*path, key), value)
        return value

    def _positive_int(self, path: YamlPath, name: str, raw: dict[Any, Any], key: str) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if is_int(value) and value > 0:
            return value
        self.report.error((*path, key), f"task '{name}': '{key}' must be a positive integer, got {value!r}")
        return None

    def _join(self, path: YamlPath, name: str, raw: dict[Any, Any]) -> int | None:
        """attune reads ``join`` as an unsigned integer (``join: Option<usize>``, parser.rs): the
        "all" its comment mentions is rejected by its parser, so it is a located error here too."""
        value = raw.get("join")
        if value is None or (is_int(value) and value > 0):
            return value
        hint = None
        if isinstance(value, str):
            hint = "attune's parser only takes a number: write the count of inbound tasks to wait for"
        self.report.error(
            (*path, "join"),
            f"task '{name}': 'join' must be a positive integer, got {value!r}",
            hint,
            code=ATTUNE_REJECTS,
        )
        return None

    def _timeout(self, path: YamlPath, name: str, value: Any) -> int | str | None:
        if value is None:
            return None
        if is_int(value) and 0 < value <= MAX_SECONDS:
            return value
        if is_template(value):
            self.templates.collect(path, value)
            return value
        self.report.error(
            path,
            f"task '{name}': 'timeout' must be a positive number of seconds or a template "
            f"(at most {MAX_SECONDS} seconds), got {_shown(value)}",
            'e.g. `timeout: 300` or `timeout: "{{ parameters.timeout }}"`',
        )
        return None

    def _wait_for(self, path: YamlPath, name: str, value: Any) -> WaitFor | None:
        if value is None:
            return None
        if not isinstance(value, dict) or "inquiry" not in value:
            self.report.error(
                path,
                f"task '{name}': 'wait_for' must be a mapping with an 'inquiry' key",
                'e.g. `wait_for: {inquiry: "{{ task.ask.inquiry_id }}"}`',
            )
            return None
        self.templates.collect(path, value)
        options = {key: val for key, val in value.items() if key != "inquiry"}
        return WaitFor(
            inquiry=value["inquiry"],
            options=MappingProxyType(options) if options else EMPTY,
            location=self.report.loc(path),
        )

    def _task_when(self, path: YamlPath, name: str, raw: dict[Any, Any]) -> str | None:
        value = raw.get("when")
        if value is None:
            return None
        if not isinstance(value, str):
            self.report.error((*path, "when"), f"task '{name}': 'when' must be a template string")
            return None
        self.templates.collect((*path, "when"), value)
        self.report.warn(
            (*path, "when"),
            f"task '{name}': task-level 'when' is parsed but never executed (attune ignores it too); "
            "put the condition on the inbound transition instead",
            "not-executed",
            at_key=True,
        )
        return value

    def _queue(self, path: YamlPath, name: str, selector: Any) -> str | None:
        if not isinstance(selector, dict) or selector.get("queue") is None:
            return None
        queue = selector["queue"]
        if isinstance(queue, str) and queue:
            return queue
        self.report.error(
            (*path, "worker_selector", "queue"), f"task '{name}': 'worker_selector.queue' must be text"
        )
        return None

    # --- transitions ---------------------------------------------------------------------


def _shown(value: Any) -> str:
    """``repr`` of a value, long numbers shortened (a 5000-digit count must not flood the report)."""
    text = repr(value) if not is_int(value) else str(value)
    return text if len(text) <= 40 else f"{text[:16]}...{text[-8:]} ({len(text)} characters)"
