"""A pack's ``rules/*.yaml`` -> scheduled workflows; its triggers and sensors -> warnings.

attune loads rules as ``pack_registry/loader.rs`` (``load_rules``) does: ``ref``,
``trigger_ref`` and ``action_ref`` are required (an unqualified ref gets the pack's prefix),
``enabled`` defaults to true, ``action_params`` is the flat parameter object of the action,
``trigger_params`` configures the trigger instance (for the core timers: the schedule).

A rule whose trigger is one of attune's timers becomes its own workflow, ``ref`` = the rule's
ref (so its DAG id is ``<pack>.<rule>``): the rule's workflow action (a copy of that
workflow), or for any other action a one-task workflow running it. ``action_params`` become
the parameters' defaults (scheduled runs get no other input), ``enabled: false`` pauses the
DAG on creation. Every other trigger, and each trigger and sensor definition of the pack, is
one located ``not translated`` warning pointing to Airflow's equivalent: nothing vanishes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from attune_provider.expressions.text_rules import is_template
from attune_provider.spec.errors import LoadError, SpecError
from attune_provider.spec.model import (
    EMPTY,
    ActionSpec,
    AirflowSettings,
    Location,
    PackSpec,
    ParameterSpec,
    SpecWarning,
    TaskSpec,
    TimerSchedule,
    WorkflowSpec,
)
from attune_provider.spec.report import Report, type_name
from attune_provider.spec.timers import TIMER_TRIGGERS, translate_timer
from attune_provider.spec.yaml_source import YamlDocument, read_yaml

RULE_KEYS = frozenset(
    {
        "ref", "pack_ref", "label", "description", "trigger_ref", "action_ref", "enabled",
        "conditions", "action_params", "trigger_params", "trace_tag_template",
        "permission_set_refs", "permission_set_ref", "sensor_worker_selector",
        "sensor_worker_tolerations", "sensor_worker_affinity", "name", "tags",
    }
)  # fmt: skip
RULE_TAG = "attune-rule"
#: where a trigger that is not a timer goes in Airflow
AIRFLOW_EQUIVALENT = (
    "in Airflow, poll for the event with a sensor task (airflow.sdk.BaseSensorOperator, or a deferrable "
    "trigger), schedule the workflow on an Asset that the producer updates (an AssetWatcher for "
    "message queues), or start runs from the event source through the REST API "
    "(POST /api/v2/dags/{dag_id}/dagRuns)"
)
_NAME = re.compile(r"[^A-Za-z0-9_-]")


def qualify(pack_ref: str, ref: str) -> str:
    """attune's ``qualify_pack_ref``: an unqualified ref belongs to the pack."""
    return ref if "." in ref else f"{pack_ref}.{ref}"


def pack_rules(
    pack: PackSpec, workflows: Mapping[str, WorkflowSpec]
) -> tuple[list[WorkflowSpec], list[SpecError], list[SpecWarning]]:
    """The scheduled workflows of the pack's timer rules, with every problem found."""
    out: list[WorkflowSpec] = []
    errors: list[SpecError] = []
    warnings: list[SpecWarning] = []
    for file in _yaml_files(pack.path / "rules"):
        try:
            doc = read_yaml(file)
            workflow, found = _rule_workflow(doc, pack, workflows)
        except LoadError as exc:
            errors.extend(exc.errors)
            warnings.extend(exc.warnings)
            continue
        errors.extend(found.errors)
        warnings.extend(found.warnings)
        if workflow is not None and not found.errors:
            out.append(workflow)
    warnings.extend(_definitions_not_translated(pack))
    return out, errors, warnings


def _definitions_not_translated(pack: PackSpec) -> list[SpecWarning]:
    """One warning per trigger and sensor definition file (attune runs them; Airflow does not)."""
    found: list[SpecWarning] = []
    for folder, what in (("triggers", "trigger"), ("sensors", "sensor")):
        for file in _yaml_files(pack.path / folder):
            try:
                doc = read_yaml(file)
            except LoadError:
                found.append(SpecWarning(Location(str(file)), f"{what} file is not valid YAML; not translated",
                                         f"{what}-not-translated"))  # fmt: skip
                continue
            data = doc.data if isinstance(doc.data, dict) else {}
            ref = data.get("ref") or file.stem
            found.append(
                SpecWarning(
                    doc.loc(()),
                    f"{what} '{ref}' is not translated: attune's {what}s do not run on Airflow; "
                    + AIRFLOW_EQUIVALENT,
                    f"{what}-not-translated",
                )
            )
    return found


def _rule_workflow(
    doc: YamlDocument, pack: PackSpec, workflows: Mapping[str, WorkflowSpec]
) -> tuple[WorkflowSpec | None, Report]:
    report = Report(doc)
    data = doc.data
    if not isinstance(data, dict):
        report.error((), f"a rule file must be a mapping, but this file is {type_name(data)}")
        return None, report
    report.unknown_keys((), data, RULE_KEYS, "rule")
    refs: dict[str, str] = {}
    for key in ("ref", "trigger_ref", "action_ref"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            report.error((key,) if key in data else (), f"rule needs '{key}' (text), got {value!r}")
        else:
            refs[key] = qualify(pack.ref, value.strip())
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        report.error(("enabled",), f"'enabled' must be true or false, got {type_name(enabled)}")
    if report.errors:
        return None, report
    rule_ref, trigger_ref, action_ref = refs["ref"], refs["trigger_ref"], refs["action_ref"]
    if trigger_ref not in TIMER_TRIGGERS:
        report.warn(
            ("trigger_ref",),
            f"rule '{rule_ref}' is not translated: its trigger '{trigger_ref}' is not one of attune's timers "
            f"({', '.join(TIMER_TRIGGERS)}); {AIRFLOW_EQUIVALENT}",
            "rule-not-translated",
        )
        return None, report
    if _has_conditions(data.get("conditions")):
        report.error(("conditions",), f"rule '{rule_ref}': 'conditions' on a timer rule are not translated",
                     "a timer event always has the same shape: drop the conditions, or test them in the "
                     "workflow's first task")  # fmt: skip
    timer = translate_timer(report, ("trigger_params",), trigger_ref, data.get("trigger_params", {}))
    base = _base_workflow(report, pack, workflows, rule_ref, action_ref)
    if base is None or timer is None or report.errors:
        return None, report
    parameters = _parameters(report, base, data.get("action_params"), rule_ref)
    if parameters is None:
        return None, report
    return _scheduled(base, doc, rule_ref, data, parameters, timer, not enabled), report


def _has_conditions(value: Any) -> bool:
    return value not in (None, {}, [])


def _base_workflow(
    report: Report, pack: PackSpec, workflows: Mapping[str, WorkflowSpec], rule_ref: str, action_ref: str
) -> WorkflowSpec | None:
    """The workflow the rule runs: the action's own workflow, or a one-task one around it."""
    if action_ref in workflows:
        return workflows[action_ref]
    action = pack.actions.get(action_ref)
    if action is not None and action.workflow_file:
        report.error(("action_ref",), f"rule '{rule_ref}': workflow action '{action_ref}' did not load "
                     "(see its errors)")  # fmt: skip
        return None
    if action is None and action_ref.split(".", 1)[0] == pack.ref:
        report.error(("action_ref",), f"rule '{rule_ref}' names action '{action_ref}', which pack '{pack.ref}' "
                     "does not define")  # fmt: skip
        return None
    return _one_task(action_ref, action, pack, report.loc(("action_ref",)))


def _one_task(action_ref: str, action: ActionSpec | None, pack: PackSpec, where: Location) -> WorkflowSpec:
    name = _NAME.sub("_", action_ref.rsplit(".", 1)[-1]) or "run"
    # input None: the workflow's parameters are passed; located at the rule's action_ref
    task = TaskSpec(name=name, action=action_ref, location=where)
    return WorkflowSpec(
        ref=action_ref,
        label=action.label if action else None,
        description=action.description if action else None,
        parameters=action.parameters if action else EMPTY,
        tasks=(task,),
        tags=action.tags if action else (),
        action_file=action.source_file if action else None,
        pack=pack,
        content_hash=hashlib.sha256(action_ref.encode()).hexdigest(),
    )


def _parameters(
    report: Report, base: WorkflowSpec, action_params: Any, rule_ref: str
) -> Mapping[str, ParameterSpec] | None:
    """The workflow's parameters with ``action_params`` as their defaults."""
    if action_params is None:
        action_params = {}
    if not isinstance(action_params, dict):
        report.error(("action_params",), f"'action_params' must be a mapping, got {type_name(action_params)}")
        return None
    params = dict(base.parameters)
    for name, value in action_params.items():
        path = ("action_params", name)
        if _templated(value):
            report.error(path, f"rule '{rule_ref}': action parameter '{name}' is a template; attune fills it "
                         "from the trigger event when the timer fires, which is not translated",
                         "give a literal value; in the workflow, read the run's time from its context "
                         "instead of event.payload")  # fmt: skip
            continue
        known = params.get(str(name))
        if known is None and base.parameters:
            report.error(path, f"rule '{rule_ref}': '{base.ref}' has no parameter '{name}'",
                         "parameters: " + ", ".join(base.parameters))  # fmt: skip
            continue
        spec = known or ParameterSpec(name=str(name))
        params[str(name)] = dataclasses.replace(spec, has_default=True, default=value)
    missing = [n for n, p in params.items() if p.required and not p.has_default]
    if missing:
        report.error(("action_params",) if "action_params" in report.doc.data else (),
                     f"rule '{rule_ref}': required parameters of '{base.ref}' have no value: " + ", ".join(missing),
                     "scheduled runs get no other input: set them in action_params")  # fmt: skip
    if report.errors:
        return None
    return MappingProxyType(params)


def _templated(value: Any) -> bool:
    if isinstance(value, str):
        return is_template(value)
    if isinstance(value, dict):
        return any(_templated(v) for v in value.values())
    if isinstance(value, list):
        return any(_templated(v) for v in value)
    return False


def _scheduled(
    base: WorkflowSpec,
    doc: YamlDocument,
    rule_ref: str,
    data: dict,
    parameters: Mapping[str, ParameterSpec],
    timer: TimerSchedule,
    paused: bool,
) -> WorkflowSpec:
    settings = base.airflow or AirflowSettings()
    settings = dataclasses.replace(
        settings, schedule=None, start_date=None, catchup=False, timer=timer, paused=paused,
        tags=tuple(dict.fromkeys([*settings.tags, RULE_TAG])),
    )  # fmt: skip
    rule_hash = hashlib.sha256(Path(doc.file).read_bytes()).hexdigest()
    label = data.get("label") if isinstance(data.get("label"), str) else None
    description = data.get("description") if isinstance(data.get("description"), str) else None
    return dataclasses.replace(
        base,
        ref=rule_ref,
        label=label or base.label,
        description=description or base.description,
        parameters=parameters,
        airflow=settings,
        rule_file=Path(doc.file),
        source_file=base.source_file or Path(doc.file),  # a one-task workflow is defined by the rule
        warnings=(),
        content_hash=hashlib.sha256((base.content_hash + rule_hash).encode()).hexdigest(),
    )


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        entry for entry in folder.iterdir()
        if entry.is_file() and entry.suffix in (".yaml", ".yml") and not entry.name.startswith(".")
    )  # fmt: skip
