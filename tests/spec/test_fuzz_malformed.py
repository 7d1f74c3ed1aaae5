"""Fuzz corpus (issue 12, "In CI"): malformed workflow and pack files, generated with a fixed seed.

Every file must end in a located error (file and line) or an intended warning, within a time
and memory bound: no traceback, no hang, nothing silently accepted. The counts are printed
(run with ``-s`` to see them).
"""

from __future__ import annotations

import copy
import random
import signal
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from attune_provider.spec import load_path
from attune_provider.spec.codes import ALL_CODES

SEED = 20261130
TIME_LIMIT = 3.0  # seconds per file
MEMORY_LIMIT = 64 * 1024 * 1024  # peak bytes allocated per file
SMALL_DOCUMENT_LIMIT = 200_000  # [attune] max_document_bytes while fuzzing, so "huge" stays fast

BASE_WORKFLOW: dict[str, Any] = {
    "ref": "fuzz.flow",
    "label": "Fuzz",
    "description": "a valid workflow the mutations start from",
    "version": "1.0.0",
    "parameters": {"who": {"type": "string", "default": "world"}, "n": {"type": "integer", "required": True}},
    "vars": {"count": 0},
    "tags": ["fuzz"],
    "cancellation_policy": "allow_finish",
    "tasks": [
        {
            "name": "first",
            "action": "core.echo",
            "input": {"message": "hello {{ parameters.who }}"},
            "retry": {"count": 2, "delay": 1},
            "timeout": 30,
            "next": [{"when": "{{ succeeded() }}", "publish": [{"count": 1}], "do": ["second"]}],
        },
        {
            "name": "second",
            "action": "core.echo",
            "with_items": "{{ range(3) }}",
            "batch_size": 2,
            "concurrency": 2,
            "input": {"message": "{{ item }}"},
        },
    ],
    "output_map": {"count": "{{ workflow.count }}"},
}
BASE_ACTION: dict[str, Any] = {
    "ref": "fuzz.act",
    "runner_type": "shell",
    "entry_point": "act.sh",
    "parameter_delivery": "stdin",
    "parameter_format": "json",
    "output_format": "text",
    "timeout_seconds": 10,
    "parameters": {"x": {"type": "string", "required": True}},
}
BASE_PACK: dict[str, Any] = {"ref": "fuzz", "label": "Fuzz", "version": "1.0.0", "config": {}}

# values of the wrong type for nearly every field (each field is tried with each that is wrong)
WRONG_VALUES: list[Any] = [12345, 3.5, True, ["a", "list"], {"a": "mapping"}, "~bogus~"]
WORKFLOW_FIELDS = ["ref", "label", "description", "version", "parameters", "vars", "tags",
                   "cancellation_policy", "tasks", "output_map", "airflow"]  # fmt: skip
TASK_FIELDS = ["name", "action", "input", "next", "with_items", "batch_size", "concurrency", "retry",
               "timeout", "join", "type", "when", "wait_for", "publish"]  # fmt: skip
TRANSITION_FIELDS = ["when", "publish", "do"]
PARAMETER_FIELDS = ["type", "required", "secret", "enum", "default", "description"]
ACTION_FIELDS = ["ref", "runner_type", "entry_point", "parameter_delivery", "parameter_format",
                 "output_format", "timeout_seconds", "parameters", "enabled", "workflow_file"]  # fmt: skip
PACK_FIELDS = ["ref", "label", "version", "config", "conf_schema", "tags"]

# (field, value) pairs that are valid on purpose (e.g. `vars` may be any mapping): skipped
VALID_ON_PURPOSE = {
    ("vars", "mapping"), ("output_map", "mapping"), ("airflow", "mapping"), ("parameters", "mapping"),
    ("label", "text"), ("description", "text"), ("ref", "text"), ("version", "text"), ("tags", "list"),
    ("input", "mapping"), ("publish", "mapping"), ("when", "text"), ("wait_for", "text"), ("name", "text"),
    ("action", "text"), ("with_items", "text"), ("with_items", "list"), ("timeout", "text"),
    ("publish", "list"), ("do", "list"), ("do", "text"), ("entry_point", "text"), ("config", "mapping"),
    ("conf_schema", "mapping"), ("description", "text"), ("default", "*"), ("enum", "list"),
    ("required", "bool"), ("secret", "bool"), ("enabled", "bool"), ("next", "list"),
    ("retry", "mapping"), ("with_items", "mapping"), ("timeout", "int"), ("timeout_seconds", "int"),
    ("required", "list"),  # JSON-schema style `required: [...]` of an object parameter
}  # fmt: skip


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "text"


def _wrong(field: str) -> Iterator[Any]:
    for value in WRONG_VALUES:
        if (field, _kind(value)) not in VALID_ON_PURPOSE and (field, "*") not in VALID_ON_PURPOSE:
            yield value


@dataclass
class Case:
    name: str
    build: Callable[[Path], Path]  # writes the files under a folder, returns the path to load


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _workflow_file(text: str | bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "flow.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path

    return build


def _pack(pack: dict[str, Any] | str = BASE_PACK, action: dict[str, Any] | str = BASE_ACTION) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        root = folder / "fuzz"
        (root / "actions").mkdir(parents=True)
        (root / "pack.yaml").write_text(pack if isinstance(pack, str) else _dump(pack))
        (root / "actions" / "act.yaml").write_text(action if isinstance(action, str) else _dump(action))
        (root / "actions" / "act.sh").write_text("echo hi\n")
        return root

    return build


def field_mutations() -> Iterator[Case]:
    for field in WORKFLOW_FIELDS:
        for value in _wrong(field):
            data = copy.deepcopy(BASE_WORKFLOW)
            data[field] = value
            yield Case(f"workflow.{field}={value!r}", _workflow_file(_dump(data)))
    for field in TASK_FIELDS:
        for value in _wrong(field):
            data = copy.deepcopy(BASE_WORKFLOW)
            data["tasks"][0][field] = value
            yield Case(f"task.{field}={value!r}", _workflow_file(_dump(data)))
    for field in TRANSITION_FIELDS:
        for value in _wrong(field):
            data = copy.deepcopy(BASE_WORKFLOW)
            data["tasks"][0]["next"][0][field] = value
            yield Case(f"transition.{field}={value!r}", _workflow_file(_dump(data)))
    for field in PARAMETER_FIELDS:
        for value in _wrong(field):
            data = copy.deepcopy(BASE_WORKFLOW)
            data["parameters"]["n"][field] = value
            yield Case(f"parameter.{field}={value!r}", _workflow_file(_dump(data)))
    for field in ACTION_FIELDS:
        for value in _wrong(field):
            action = {**BASE_ACTION, field: value}
            yield Case(f"action.{field}={value!r}", _pack(action=action))
    for field in PACK_FIELDS:
        for value in _wrong(field):
            yield Case(f"pack.{field}={value!r}", _pack(pack={**BASE_PACK, field: value}))


def _deep(levels: int) -> str:
    return "ref: deep\ntasks:\n  - name: a\n    input:\n" + "".join(
        "      " + "  " * i + f"k{i}:\n" for i in range(levels)
    ) + "      " + "  " * levels + "leaf: 1\n"


ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
) + "tasks: *i\n"

SYNTAX_ERRORS = [
    "tasks: [\n  - name: a\n",
    "tasks:\n  - name: a\n   action: core.echo\n",
    "tasks:\n\t- name: a\n",
    'ref: "unclosed\ntasks: []\n',
    "tasks:\n  - name: a\n  - name: a\n    action: core.noop\n    action: core.echo\n",
    "ref: a\nref: b\ntasks:\n  - name: x\n",
    "tasks:\n  - {name: a, action: core.echo\n",
    "? [complex, key]\n: value\ntasks: []\n",
    "tasks: !!python/object:os.system\n  - name: a\n",
    "tasks:\n  - name: a\n    action: core.echo\n    input: !!binary |\n      not base64!!\n",
    "%YAML 9.9\n---\ntasks: []\n",
    "---\ntasks: []\n---\ntasks: []\n",
    "a: &x 1\nb: *y\n",
    "tasks: &t\n  - name: a\n    next: *t\n",
    "",
    "just a string\n",
    "- a\n- list\n",
    "~\n",
    "tasks:\n  - name: a\n    action: core.echo\n    input:\n      message: '{{ unclosed'\n",
    "tasks:\n  - name: a\n    action: core.echo\n    input:\n      message: '{% for %}'\n",
    "tasks:\n  - name: a\n    action: core.echo\n    next:\n      - do: [nowhere]\n",
    "tasks:\n  - name: a\n    action: core.echo\n    next:\n      - do: [b]\n  - name: b\n    action: core.echo\n    next:\n      - do: [a]\n",
    "tasks:\n  - name: 'bad name with spaces'\n    action: core.echo\n",
    "tasks:\n  - name: a\n    action: core.echo\n    input:\n      message: \"{% include 'x' %}\"\n",
    "tasks:\n  - name: a\n    action: core.echo\n    input:\n      message: '{{ nosuchfn(1) }}'\n",
    "tasks:\n  - name: a\n    action: core.local\n    input:\n      cmd: 'rm {{ parameters.x }}'\n",
    "tasks:\n  - name: a\n    action: core.echo\n    batch_size: 3\n",
]


def structural_cases() -> Iterator[Case]:
    for index, text in enumerate(SYNTAX_ERRORS):
        yield Case(f"yaml[{index}]", _workflow_file(text))
    yield Case("alias bomb", _workflow_file(ALIAS_BOMB))
    yield Case("600 nested mappings", _workflow_file(_deep(600)))
    yield Case("flow nesting 900", _workflow_file("tasks: " + "[" * 900 + "]" * 900 + "\n"))
    yield Case("flow nesting 5000", _workflow_file("tasks: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n"))
    yield Case("huge file", _workflow_file("ref: big\n# " + "x" * (SMALL_DOCUMENT_LIMIT + 10) + "\ntasks: []\n"))
    yield Case("huge value", _workflow_file("ref: big\ndescription: '" + "y" * SMALL_DOCUMENT_LIMIT + "'\ntasks: []\n"))
    rng = random.Random(SEED)
    for index in range(12):
        yield Case(f"binary[{index}]", _workflow_file(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))))
    for index, blob in enumerate([
        "ref: caf\xe9\ntasks: []\n".encode("latin-1"),
        "tasks:\n  - name: \xff\xfe\n".encode("latin-1"),
        "ref: x\ntasks: []\n".encode("utf-16-le"),
        b"ref: x\x00y\ntasks: []\n",
        b"ref: \x1b[31mred\ntasks: []\n",
        b"\xef\xbb\xbf\xef\xbb\xbfref: x\ntasks: []\n",
    ]):
        yield Case(f"encoding[{index}]", _workflow_file(blob))
    # packs whose files are broken as a whole
    yield Case("pack.yaml garbage", _pack(pack="{{{{"))
    yield Case("pack.yaml list", _pack(pack="- a\n- b\n"))
    yield Case("action garbage", _pack(action=": : :\n"))
    yield Case("action empty", _pack(action=""))
    yield Case("action bomb", _pack(action=ALIAS_BOMB.replace("tasks", "parameters")))
    yield Case("action no entry", _pack(action={k: v for k, v in BASE_ACTION.items() if k != "entry_point"}))
    yield Case("action escape", _pack(action={**BASE_ACTION, "entry_point": "../../../etc/passwd"}))
    yield Case("action absolute", _pack(action={**BASE_ACTION, "entry_point": "/bin/sh"}))
    yield Case("action bad default", _pack(action={**BASE_ACTION, "parameters": {"x": {"type": "integer", "default": "no"}}}))
    yield Case("action workflow_file out", _pack(action={"ref": "fuzz.w", "workflow_file": "../../x.yaml"}))
    yield Case("action workflow_file missing", _pack(action={"ref": "fuzz.w", "workflow_file": "workflows/none.yaml"}))


# attune accepts these (ignores the field, or runs the risky text): a warning is the intended outcome
INTENDED_WARNINGS = {
    "task.batch_size=12345": "without 'with_items' has no effect",
    "task.concurrency=12345": "without 'with_items' has no effect",
    "task.join=12345": "it can never start",
    "task.publish=12345": "legacy field(s) publish are ignored",
    "task.publish=3.5": "legacy field(s) publish are ignored",
    "task.publish=True": "legacy field(s) publish are ignored",
    "task.publish='~bogus~'": "legacy field(s) publish are ignored",
    "yaml[21]": "closes a cycle",
    "yaml[25]": "not passed through shell_quote",
    "yaml[26]": "without 'with_items' has no effect",
}


def all_cases() -> list[Case]:
    return [*field_mutations(), *structural_cases()]


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang()


def _located(item: Any, folder: Path) -> bool:
    location = item.location
    if not location.file or not str(location.file).startswith(str(folder)):
        return False
    return bool(location.line) or "bytes" in getattr(item, "message", "")


def classify(case: Case, folder: Path) -> tuple[str, str]:
    """(outcome, detail): outcome is error / warning / accepted / unlocated / uncoded / traceback / hang /
    memory."""
    path = case.build(folder)
    tracemalloc.reset_peak()
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    started = time.monotonic()
    try:
        result = load_path(path)
    except _Hang:
        return "hang", f"more than {TIME_LIMIT}s"
    except BaseException as exc:  # any escape is the failure being counted
        return "traceback", f"{type(exc).__name__}: {exc}"[:300]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    if peak > MEMORY_LIMIT:
        return "memory", f"{peak / 1e6:.0f} MB"
    if elapsed > TIME_LIMIT:
        return "hang", f"{elapsed:.1f}s"
    # issue 21 point 5: every finding carries a stable code documented in docs/spec-loading.md
    uncoded = [f"{getattr(x, 'code', None)!r}: {x}" for x in (*result.errors, *result.warnings)
               if getattr(x, "code", None) not in ALL_CODES]  # fmt: skip
    if uncoded:
        return "uncoded", uncoded[0]
    if result.errors:
        bad = [str(e) for e in result.errors if not _located(e, folder)]
        return ("unlocated", bad[0]) if bad else ("error", str(result.errors[0]))
    if result.warnings:
        bad = [str(w) for w in result.warnings if not _located(w, folder)]
        return ("unlocated", bad[0]) if bad else ("warning", str(result.warnings[0]))
    return "accepted", "no error and no warning"


def test_fuzz_corpus_gets_located_errors_or_warnings(tmp_path, monkeypatch, corpus_counts):
    monkeypatch.setenv("AIRFLOW__ATTUNE__MAX_DOCUMENT_BYTES", str(SMALL_DOCUMENT_LIMIT))
    cases = all_cases()
    assert len(cases) >= 200
    # one-time, per-process costs are no case's hang: the actions package import and the verification
    # commands of the runtimes the cases name (cached per process by attune_provider.actions.runtimes)
    from attune_provider.actions.runtimes import runtime_for, unavailable_reason

    for runner in ("python", "shell", "python-script", "local-shell-script"):
        runtime = runtime_for(runner)
        if runtime is not None:
            unavailable_reason(runtime)
    previous = signal.signal(signal.SIGALRM, _alarm)
    tracemalloc.start()
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    try:
        for index, case in enumerate(cases):
            folder = tmp_path / f"case{index:03d}"
            folder.mkdir()
            outcome, detail = classify(case, folder)
            outcomes[outcome] += 1
            intended = INTENDED_WARNINGS.get(case.name)
            if outcome == "warning" and (intended is None or intended not in detail):
                failures.append(f"{case.name}: unintended warning (an error was expected): {detail}")
            elif outcome == "error" and intended is not None:
                failures.append(f"{case.name}: error where attune accepts it (a warning was intended): {detail}")
            elif outcome not in ("error", "warning"):
                failures.append(f"{case.name}: {outcome}: {detail}")
    finally:
        tracemalloc.stop()
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.monotonic() - started
    print(
        f"\nfuzz: tried {len(cases)} / located error {outcomes['error']} / warning {outcomes['warning']} / "
        f"accepted {outcomes['accepted']} / unlocated {outcomes['unlocated']} / traceback {outcomes['traceback']} / "
        f"hang {outcomes['hang']} / memory {outcomes['memory']} in {elapsed:.1f}s"
    )
    corpus_counts.record("fuzz files", len(cases), "silently accepted", outcomes["accepted"])
    corpus_counts.record("fuzz files", len(cases), "wrong outcomes", len(failures))
    assert failures == [], "\n".join(failures)


def test_the_base_files_are_valid(tmp_path):
    """The mutations start from valid files, so each finding is the mutation's."""
    assert not load_path(_workflow_file(_dump(BASE_WORKFLOW))(tmp_path)).errors
    pack = tmp_path / "p"
    pack.mkdir()
    result = load_path(_pack()(pack))
    assert not result.errors and not result.warnings


def test_generation_is_deterministic(tmp_path):
    first, second = all_cases(), all_cases()
    assert [case.name for case in first] == [case.name for case in second]
    binary = [case for case in first if case.name.startswith("binary")]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert binary[0].build(tmp_path / "a").read_bytes() == binary[0].build(tmp_path / "b").read_bytes()
