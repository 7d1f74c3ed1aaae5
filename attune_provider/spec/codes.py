"""The stable ``code`` of every load, validation and compile finding (``validate --format json``).

A CI job or an editor matches on the code, never on the message text. Every code is listed
here with one line saying what it means; ``docs/spec-loading.md`` lists the same codes and
``tests/spec/test_codes.py`` checks that every code any finding carries is here and documented.
"""

from __future__ import annotations

# --- errors ------------------------------------------------------------------------------------
INVALID_VALUE = "invalid-value"
YAML_SYNTAX = "yaml-syntax"
FILE_UNREADABLE = "file-unreadable"
INPUT_LIMIT = "input-limit"
DUPLICATE_KEY = "duplicate-key"
DUPLICATE_REF = "duplicate-ref"
UNKNOWN_TASK = "unknown-task"
WAIT_FOR_IN_CYCLE = "wait-for-in-cycle"
TEMPLATE_SYNTAX = "template-syntax"
UNSUPPORTED_RUNNER = "unsupported-runner"
RUNTIME_UNAVAILABLE = "runtime-unavailable"
ENTRY_POINT = "entry-point"
ACTION_INPUT = "action-input"
ATTUNE_REJECTS = "attune-rejects"
COMPILE_ERROR = "compile-error"
UNSUPPORTED = "unsupported"

ERROR_CODES: dict[str, str] = {
    INVALID_VALUE: "a field has the wrong type, shape or value (the message names the field)",
    YAML_SYNTAX: "the file is not valid YAML (or not UTF-8 text)",
    FILE_UNREADABLE: "the file or folder does not exist or cannot be read",
    INPUT_LIMIT: "the document exceeds an [attune] max_document_bytes / max_yaml_depth / "
    "max_yaml_alias_nodes bound",
    DUPLICATE_KEY: "a mapping defines the same key twice (YAML would silently keep the last one)",
    DUPLICATE_REF: "two workflows or packs share one ref; the second is skipped",
    UNKNOWN_TASK: "a transition (`do`, `on_success`, ...) names a task that does not exist",
    WAIT_FOR_IN_CYCLE: "a task with `wait_for` sits on a cycle (attune rejects this too)",
    TEMPLATE_SYNTAX: "a `{{ }}` template does not parse",
    UNSUPPORTED_RUNNER: "an action's runner_type cannot run here",
    RUNTIME_UNAVAILABLE: "an action's runtime (node, java, ...) fails attune's verification command on this host",
    ENTRY_POINT: "an action's entry_point is missing, absolute, leaves actions/ or does not exist",
    ACTION_INPUT: "a task's literal input does not match the called action's parameters",
    ATTUNE_REJECTS: "attune's own parser rejects this value (e.g. `join: all`); the provider does too",
    COMPILE_ERROR: "the workflow loaded but cannot become an Airflow DAG (e.g. an unknown action)",
    UNSUPPORTED: "a construct attune accepts that the provider cannot run; the message says why",
}

# --- warnings ----------------------------------------------------------------------------------
WARNING_CODES: dict[str, str] = {
    "unknown-key": "a key attune ignores (with a 'did you mean' when one is close)",
    "legacy-ignored": "legacy transition fields next to `next` (attune ignores them too)",
    "scalar-do": "`do: x` written as text, read as `[x]`",
    "when-plain-text": "a `when` that is neither an expression nor a template: always true, as in attune",
    "unknown-task-reference": "a template reads `task.<x>` where x is not a task of the workflow",
    "vars-list": "`vars` written as a list of single-key maps (attune's parser rejects it)",
    "wrapped-schema": "a wrapped JSON schema (type: object, properties) read as attune's flat form",
    "not-executed": "parsed but never executed, by attune either (task-level `when`, `type: parallel`, "
    "`retry.on_error`)",
    "unquoted-shell-template": "a template in a core.local/core.shell `cmd` without shell_quote",
    "ignored-batch-size": "`batch_size` without `with_items` has no effect",
    "ignored-concurrency": "`concurrency` without `with_items` has no effect",
    "ignored-with-items": "`with_items` next to `iterate_cache` (attune iterates the cache and ignores it)",
    "default-runner": "an action without runner_type (attune runs it with the shell runner)",
    "ref-outside-pack": "an action ref that does not start with its pack's ref",
    "no-pack-yaml": "a folder with actions/ but no pack.yaml, loaded as a pack",
    "unlinked-graph": "a graph file under actions/workflows/ that no action links to",
    "back-edge": "a transition back into a cycle, dropped at compile time (each task runs once)",
    "unreachable": "a task no entry task can reach; it never runs",
    "join-unsatisfiable": "`join: N` with fewer than N inbound tasks; the task never starts",
    "unknown-parameter-reference": "a template reads `parameters.<x>` where x is not a declared parameter "
    "(with --strict: an error)",
    "unknown-variable-reference": "a template reads `workflow.<x>`/`vars.<x>` where x is neither in `vars` nor "
    "published by any transition",
    "rule-not-translated": "a rule whose trigger is not one of attune's timers: no DAG (use sensors, Assets or "
    "REST-triggered runs)",
    "trigger-not-translated": "a pack trigger (triggers/*.yaml): not translated (Airflow sensors, Assets, REST triggers)",
    "sensor-not-translated": "a pack sensor (sensors/*.yaml): not translated (Airflow sensors or deferrable triggers)",
    "cron-timezone": "a core.crontimer `timezone` other than UTC: ignored, as attune's timer sensor ignores it",
    "datetime-past": "a core.datetimetimer `fire_at` in the past (attune never fires it; the @once DAG runs when unpaused)",
}

ALL_CODES: frozenset[str] = frozenset(ERROR_CODES) | frozenset(WARNING_CODES)
