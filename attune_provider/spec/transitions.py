"""A task's transitions (reference 4): ``next``, and the legacy fields normalised into it.

Legacy transition fields (``on_success`` ... ``decision``, task-level ``publish``) become
``next`` here, in the order reference 4.2 states, so no later layer ever sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from attune_provider.expressions.engine import is_expression
from attune_provider.expressions.text_rules import FALSE_TEXT, TRUE_TEXT
from attune_provider.spec.model import Transition
from attune_provider.spec.report import Report, is_template, type_name
from attune_provider.spec.templates import TemplateChecker
from attune_provider.spec.yaml_source import YamlPath

TRANSITION_KEYS = frozenset({"when", "publish", "do", "__chart_meta__"})
DECISION_KEYS = frozenset({"when", "next"})
LEGACY_TRANSITIONS = (
    ("on_success", "{{ succeeded() }}"),
    ("on_failure", "{{ failed() }}"),
    ("on_complete", None),
    ("on_timeout", "{{ timed_out() }}"),
)
LEGACY_KEYS = ("on_success", "on_failure", "on_complete", "on_timeout", "decision", "publish")
_SUCCEEDED_CALL = "succeeded()"  # attune matches this exact text (`w.contains("succeeded()")`)
_LITERAL_CONDITIONS = TRUE_TEXT | FALSE_TEXT | {"always"}


@dataclass
class TransitionParser:
    """Parses transitions for :class:`~attune_provider.spec.tasks.TaskParser` (shares its report)."""

    report: Report
    templates: TemplateChecker
    do_refs: list[tuple[YamlPath, str, str]] = field(default_factory=list)  # (path, source task, target)

    def parse(self, path: YamlPath, name: str, raw: dict[Any, Any]) -> tuple[Transition, ...]:
        """``next`` of one task, or its legacy fields normalised into ``next`` (reference 4.2)."""
        legacy = [key for key in LEGACY_KEYS if key in raw]
        if "next" in raw:
            if legacy:
                self.report.warn(
                    (*path, legacy[0]),
                    f"task '{name}' has 'next'; legacy field(s) {', '.join(legacy)} are ignored (reference 4.2)",
                    "legacy-ignored",
                    at_key=True,
                )
            return self._next((*path, "next"), name, raw["next"])
        if legacy:
            return self._legacy(path, name, raw)
        return ()

    def _next(self, path: YamlPath, name: str, value: Any) -> tuple[Transition, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.report.error(
                path,
                f"task '{name}': 'next' must be a list of transitions, got {type_name(value)}",
                "write `next:` followed by `- when: ...` / `do: [...]` items",
            )
            return ()
        result = []
        for index, item in enumerate(value):
            transition = self._transition((*path, index), name, item)
            if transition is not None:
                result.append(transition)
        return tuple(result)

    def _transition(self, path: YamlPath, name: str, raw: Any) -> Transition | None:
        report = self.report
        if not isinstance(raw, dict):
            report.error(path, f"task '{name}': each 'next' entry must be a mapping with when/publish/do, "
                               f"got {type_name(raw)}")  # fmt: skip
            return None
        report.unknown_keys(path, raw, TRANSITION_KEYS, "transition")
        label = None
        meta = raw.get("__chart_meta__")
        if isinstance(meta, dict) and isinstance(meta.get("label"), str):
            label = meta["label"]
        return Transition(
            when=self._when((*path, "when"), name, raw.get("when")),
            publish=self._publish((*path, "publish"), name, raw.get("publish")),
            do=self._do((*path, "do"), name, raw.get("do"), scalar_ok=False),
            label=label,
            location=report.loc(path),
        )

    def _when(self, path: YamlPath, name: str, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.report.error(
                path,
                f"task '{name}': 'when' must be a template string, got {type_name(value)}",
                'quote it, e.g. `when: "{{ succeeded() }}"`',
            )
            return None
        if is_template(value):
            self.templates.collect(path, value)
        elif is_expression(value):  # attune's preferred bare form: `when: succeeded() and ...`
            if "}}" not in value:
                self.templates.collect(path, "{{ " + value + " }}")
        elif value.strip().lower() not in _LITERAL_CONDITIONS:
            self.report.warn(
                path,
                f"task '{name}': 'when: {value}' is neither an expression nor a template; "
                "like attune, non-empty text is read as true, so this transition always fires",
                "when-plain-text",
            )
        return value

    def _do(self, path: YamlPath, name: str, value: Any, *, scalar_ok: bool) -> tuple[str, ...]:
        """``do`` must be a list of task names; a scalar is accepted with a warning (reference 1.6)."""
        if value is None:
            return ()
        if isinstance(value, str):
            if not scalar_ok:
                self.report.warn(
                    path,
                    f"task '{name}': 'do' should be a list; accepted '{value}' as [{value}]",
                    "scalar-do",
                )
            self.do_refs.append((path, name, value))
            return (value,)
        if not isinstance(value, list):
            self.report.error(
                path, f"task '{name}': 'do' must be a list of task names, got {type_name(value)}"
            )
            return ()
        targets = []
        for index, target in enumerate(value):
            if isinstance(target, str) and target:
                self.do_refs.append(((*path, index), name, target))
                targets.append(target)
            else:
                self.report.error(
                    (*path, index), f"task '{name}': a 'do' target must be a task name, got {target!r}"
                )
        return tuple(targets)

    def _publish(self, path: YamlPath, name: str, value: Any) -> tuple[tuple[str, Any], ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.report.error(
                path,
                f"task '{name}': 'publish' must be a list of single-key mappings, got {type_name(value)}",
                "write each variable as its own item: `- name: value`",
            )
            return ()
        result = []
        for index, item in enumerate(value):
            item_path = (*path, index)
            if isinstance(item, str):  # bare `- name` publishes the result (reference 4.3)
                result.append((item, "{{ result() }}"))
            elif isinstance(item, dict) and len(item) == 1:
                ((key, val),) = item.items()
                if not isinstance(key, str):
                    self.report.error(
                        item_path, f"task '{name}': publish variable name must be text, got {key!r}"
                    )
                    continue
                self.templates.collect((*item_path, key), val)
                result.append((key, val))
            else:
                keys = f" with keys {', '.join(map(str, item))}" if isinstance(item, dict) else ""
                self.report.error(
                    item_path,
                    f"task '{name}': publish item #{index + 1} must be a single-key mapping, "
                    f"got {type_name(item)}{keys}",
                    "write each variable as its own item: `- name: value`",
                )
        return tuple(result)

    def _legacy(self, path: YamlPath, name: str, raw: dict[Any, Any]) -> tuple[Transition, ...]:
        """reference 4.2: on_success, on_failure, on_complete, on_timeout, then decision branches."""
        result: list[Transition] = []
        for key, when in LEGACY_TRANSITIONS:
            if key in raw:
                key_path = (*path, key)
                targets = self._do(key_path, name, raw[key], scalar_ok=True)
                result.append(Transition(when=when, do=targets, location=self.report.loc(key_path)))
        if "decision" in raw:
            result.extend(self._decision((*path, "decision"), name, raw["decision"]))
        if "publish" in raw:
            publish_path = (*path, "publish")
            publish = self._publish(publish_path, name, raw["publish"])
            if publish:
                _attach_legacy_publish(result, publish, self.report.loc(publish_path))
        return tuple(result)

    def _decision(self, path: YamlPath, name: str, value: Any) -> list[Transition]:
        if not isinstance(value, list):
            self.report.error(path, f"task '{name}': 'decision' must be a list of {{when, next}} branches")
            return []
        result = []
        for index, branch in enumerate(value):
            branch_path = (*path, index)
            if not isinstance(branch, dict):
                self.report.error(
                    branch_path, f"task '{name}': decision branch #{index + 1} must be a mapping"
                )
                continue
            self.report.unknown_keys(branch_path, branch, DECISION_KEYS, "decision")
            result.append(
                Transition(
                    when=self._when((*branch_path, "when"), name, branch.get("when")),
                    do=self._do((*branch_path, "next"), name, branch.get("next"), scalar_ok=True),
                    location=self.report.loc(branch_path),
                )
            )
        return result


def _attach_legacy_publish(result: list[Transition], publish: tuple[tuple[str, Any], ...], where: Any) -> None:
    """attune's ``normalize_transitions`` (``crates/common/src/workflow/parser.rs``): a task-level
    ``publish`` joins the first transition whose ``when`` contains ``succeeded()``; with no
    transition at all it becomes a publish-only ``succeeded()`` transition; otherwise (e.g. only
    ``on_failure``) it joins the **first** transition, whatever its condition."""
    for index, transition in enumerate(result):
        if transition.when and _SUCCEEDED_CALL in transition.when:
            result[index] = replace(transition, publish=transition.publish + publish)
            return
    if result:
        result[0] = replace(result[0], publish=result[0].publish + publish)
        return
    result.append(Transition(when="{{ succeeded() }}", publish=publish, location=where))
