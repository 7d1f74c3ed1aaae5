"""Typed, immutable workflow objects: what every later layer (compiler, runtime, actions) reads.

The loader (``spec.loader``) is the only producer. Mappings are ``MappingProxyType`` and
sequences are tuples so a loaded workflow can be cached and shared between DAG builds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal


class _EmptyMapping(Mapping[str, Any]):
    """An immutable, hashable empty mapping: dataclass defaults must be hashable (Python 3.11+
    rejects an unhashable ``MappingProxyType({})`` default as "mutable")."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"


EMPTY: Mapping[str, Any] = _EmptyMapping()


@dataclass(frozen=True)
class Location:
    """A place in a source file; ``line`` and ``column`` are 1-based (0 = unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


@dataclass(frozen=True)
class SpecWarning:
    """A non-fatal finding (unknown key, dropped back edge, unsupported-but-ignored field)."""

    location: Location
    message: str
    code: str = "warning"

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.message}"


@dataclass(frozen=True)
class ParameterSpec:
    """One field of attune's flat parameter schema (reference 1.4)."""

    name: str
    type: str | None = None
    required: bool = False
    has_default: bool = False
    default: Any = None
    secret: bool = False
    description: str | None = None
    enum: tuple[Any, ...] | None = None
    # every JSON-schema keyword of the field except attune's own ``required`` / ``secret``
    schema: Mapping[str, Any] = EMPTY
    location: Location | None = None


@dataclass(frozen=True)
class Transition:
    """One ``next`` entry (reference 4.1); legacy fields are normalised into these (reference 4.2)."""

    when: str | None = None  # raw template text; None = unconditional
    publish: tuple[tuple[str, Any], ...] = ()  # (variable, raw value/template) in order
    do: tuple[str, ...] = ()
    label: str | None = None  # __chart_meta__.label
    location: Location | None = None


Backoff = Literal["constant", "linear", "exponential"]


@dataclass(frozen=True)
class RetryPolicy:
    count: int = 0
    delay: float = 0.0
    backoff: Backoff = "constant"
    max_delay: float | None = None
    on_error: str | None = None  # parsed, never evaluated (as attune): every failure is retried


@dataclass(frozen=True)
class WaitFor:
    """``wait_for: {inquiry: ...}``: a human answer the task waits for before it runs."""

    inquiry: Any
    options: Mapping[str, Any] = EMPTY  # the rest of the wait_for mapping, raw
    location: Location | None = None


@dataclass(frozen=True)
class TaskSpec:
    name: str
    action: str | None = None
    input: Mapping[str, Any] | None = None  # None = "no input given" (workflow params are passed)
    next: tuple[Transition, ...] = ()
    with_items: Any = None  # template text, or a literal list / scalar
    batch_size: int | None = None
    concurrency: int | None = None
    retry: RetryPolicy | None = None
    timeout: int | str | None = None  # seconds or a template
    join: int | None = None
    type: str | None = None  # "workflow" | "parallel" | None
    wait_for: WaitFor | None = None
    when: str | None = None  # task-level when: parsed, never executed (warning)
    iterate_cache: Mapping[str, Any] | None = None
    queue: str | None = None  # from worker_selector.queue
    extra: Mapping[str, Any] = EMPTY  # accepted attune server keys (permission_set_refs, worker_*, ...)
    location: Location | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        """Every task any transition may start, in first-seen order."""
        seen: dict[str, None] = {}
        for transition in self.next:
            for target in transition.do:
                seen.setdefault(target, None)
        return tuple(seen)


@dataclass(frozen=True)
class TimerSchedule:
    """An attune timer trigger as an exact Airflow schedule (``spec/timers.py``).

    ``kind`` is ``cron`` (5-field Airflow cron evaluated in ``timezone``), ``interval``
    (``every``) or ``once`` (at ``start_date``). ``start_date``/``end_date`` bound the runs.
    """

    kind: str
    cron: str | None = None
    timezone: str = "UTC"
    every: Any = None  # timedelta
    start_date: Any = None  # pendulum DateTime
    end_date: Any = None  # pendulum DateTime
    trigger_ref: str = ""


@dataclass(frozen=True)
class AirflowSettings:
    """The provider's ``airflow:`` extension block (reference 2); attune ignores it.

    ``timer`` and ``paused`` are set only for the DAG of a timer rule (``spec/rules.py``).
    """

    schedule: Any = None  # cron text, preset ("@daily"), or a timedelta
    start_date: Any = None  # pendulum DateTime
    catchup: bool = False
    max_active_runs: int | None = None
    dagrun_timeout: Any = None  # timedelta
    owner: str | None = None
    pool: str | None = None
    queue: str | None = None
    default_retries: int | None = None
    tags: tuple[str, ...] = ()
    timer: TimerSchedule | None = None
    paused: bool | None = None  # is_paused_upon_creation


@dataclass(frozen=True)
class ActionSpec:
    """An action's metadata file (``actions/<name>.yaml``)."""

    ref: str
    name: str
    pack_ref: str | None = None
    label: str | None = None
    description: str | None = None
    enabled: bool = True
    runner_type: str | None = None  # "python" | "shell" | None for workflow actions
    entry_point: str | None = None
    parameter_delivery: str = "stdin"  # "stdin" | "file"
    parameter_format: str = "json"  # "json" | "yaml" | "dotenv"
    output_format: str = "text"  # "text" | "json" | "yaml" | "jsonl"
    timeout_seconds: int | None = None
    parameters: Mapping[str, ParameterSpec] = EMPTY
    output: Mapping[str, Any] = EMPTY
    tags: tuple[str, ...] = ()
    workflow_file: str | None = None  # relative to actions/, set for action-linked workflows
    source_file: Path | None = None
    pack_path: Path | None = None
    location: Location | None = None
    warnings: tuple[SpecWarning, ...] = ()  # unknown keys etc. found in the action file


@dataclass(frozen=True)
class WorkflowSpec:
    ref: str
    label: str | None = None
    description: str | None = None
    version: str | None = None
    parameters: Mapping[str, ParameterSpec] = EMPTY
    output: Mapping[str, Any] = EMPTY
    vars: Mapping[str, Any] = EMPTY
    tasks: tuple[TaskSpec, ...] = ()
    output_map: Mapping[str, Any] | None = None
    tags: tuple[str, ...] = ()
    cancellation_policy: str | None = None  # "allow_finish" | "cancel_running"
    airflow: AirflowSettings | None = None
    source_file: Path | None = None  # the graph file (tasks live here)
    action_file: Path | None = None  # the action metadata file for action-linked workflows
    pack: PackSpec | None = None
    warnings: tuple[SpecWarning, ...] = ()
    back_edges: tuple[tuple[str, str], ...] = ()  # (from_task, to_task) dropped per reference 5.6
    # tasks no entry task can reach (only inside a cycle nothing leads into): they never run
    unreachable_tasks: tuple[str, ...] = ()
    content_hash: str = ""  # sha256 of the source bytes (graph + action file), for caches
    rule_file: Path | None = None  # set for the DAG of a timer rule (rules/<name>.yaml)

    def task(self, name: str) -> TaskSpec:
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(name)

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(task.name for task in self.tasks)

    def forward_edges(self) -> tuple[tuple[str, str, Transition], ...]:
        """(source, target, transition) for every edge that is not a dropped back edge."""
        dropped = set(self.back_edges)
        return tuple(
            (task.name, target, transition)
            for task in self.tasks
            for transition in task.next
            for target in transition.do
            if (task.name, target) not in dropped
        )

    def entry_tasks(self) -> tuple[str, ...]:
        """Tasks with no inbound edge at all, self and cycle edges included, in document order."""
        return tuple(entry_points(self.tasks))


@dataclass(frozen=True)
class PackSpec:
    ref: str
    path: Path
    label: str | None = None
    description: str | None = None
    version: str | None = None
    conf_schema: Mapping[str, ParameterSpec] = EMPTY
    config: Mapping[str, Any] = EMPTY
    actions: Mapping[str, ActionSpec] = field(default=EMPTY, compare=False)
    warnings: tuple[SpecWarning, ...] = ()


def entry_points(tasks: Sequence[TaskSpec]) -> list[str]:
    """Tasks with no inbound edge at all, in document order (docs/graph-semantics.md).

    As attune's ``TaskGraph`` (crates/executor/src/workflow/graph.rs) computes them: every
    transition target counts as inbound, a self edge and the edges of a cycle included, so a
    task whose only inbound edge is from itself is no entry point and never runs. When every
    task has an inbound edge there is no entry point at all (attune's ``test_cycle_support``)
    and nothing runs; the loader warns about each such task.
    """
    inbound = {target for task in tasks for transition in task.next for target in transition.do}
    return [task.name for task in tasks if task.name not in inbound]
