"""Every finding has a stable, documented code (issue 21 point 5, ``validate --format json``).

The codes are walked over everything that produces findings here: the fuzz corpus (every
malformed file; checked inside ``test_fuzz_malformed.classify``, outcome "uncoded", so the corpus
is loaded once), the attune corpus (skipped when absent) and the cases below, which reach the
compile step of ``validate`` too. A code that is null, unknown to ``spec/codes.py`` or missing
from ``docs/spec-loading.md`` fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from attune_provider.cli.validate_cmd import Finding, validate
from attune_provider.spec import load_path
from attune_provider.spec.codes import ALL_CODES, ERROR_CODES, WARNING_CODES
from tests.conftest import CORPUS, REPO_ROOT

DOC = REPO_ROOT / "docs" / "spec-loading.md"

CASES = {
    # compile step of validate: an action nobody defines, and iterate_cache
    "unknown_action.yaml": "ref: codes.unknown\ntasks:\n  - name: a\n    action: nowhere.none\n",
    # attune's parser rejects these (crates/common/src/workflow/parser.rs)
    "join_all.yaml": (
        "ref: codes.join\ntasks:\n  - name: a\n    action: core.noop\n    next: [{do: [b]}]\n"
        "  - name: b\n    action: core.noop\n    join: all\n"
    ),
    "retry_no_delay.yaml": "ref: codes.retry\ntasks:\n  - name: a\n    action: core.noop\n    retry: {count: 2}\n",
    "on_error.yaml": (
        "ref: codes.on_error\ntasks:\n  - name: a\n    action: core.noop\n"
        '    retry: {count: 2, delay: 0, on_error: "{{ true }}"}\n'
    ),
    "template.yaml": "ref: codes.tpl\ntasks:\n  - name: a\n    action: core.echo\n    input: {message: '{{ x +}}'}\n",
    "unknown_target.yaml": "ref: codes.target\ntasks:\n  - name: a\n    action: core.noop\n    next: [{do: [zz]}]\n",
    "duplicate_key.yaml": "ref: codes.dup\nref: codes.dup2\ntasks:\n  - name: a\n    action: core.noop\n",
    "bad_yaml.yaml": "tasks: [\n",
}


def _codes_of(result) -> list[tuple[str, str | None]]:
    return [(str(e), getattr(e, "code", None)) for e in result.errors] + [
        (str(w), getattr(w, "code", None)) for w in result.warnings
    ]


def _documented() -> set[str]:
    return set(re.findall(r"`([a-z][a-z0-9-]*)`", DOC.read_text()))


def test_every_code_is_documented_in_spec_loading_md():
    documented = _documented()
    assert set(ERROR_CODES) <= documented, sorted(set(ERROR_CODES) - documented)
    assert set(WARNING_CODES) <= documented, sorted(set(WARNING_CODES) - documented)


def test_attune_corpus_findings_all_carry_a_documented_code():
    if not CORPUS.is_dir():
        pytest.skip(f"attune corpus not found at {CORPUS}")
    bad = [f"{code!r}: {text}" for text, code in _codes_of(load_path(CORPUS)) if code not in ALL_CODES]
    assert not bad, "\n".join(bad[:20])


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> list[Finding]:
    folder = tmp_path_factory.mktemp("codes")
    for name, text in CASES.items():
        (folder / name).write_text(text)
    return validate([str(folder), str(folder / "missing.yaml")]).findings


def test_validate_findings_carry_the_specific_codes(validated):
    by_file: dict[str, set[str]] = {}
    for finding in validated:
        by_file.setdefault(Path(finding.file).name, set()).add(finding.code)
    assert by_file["unknown_action.yaml"] == {"compile-error"}
    assert by_file["join_all.yaml"] == {"attune-rejects"}
    assert by_file["retry_no_delay.yaml"] == {"attune-rejects"}
    assert by_file["on_error.yaml"] == {"not-executed"}
    assert by_file["template.yaml"] == {"template-syntax"}
    assert by_file["unknown_target.yaml"] == {"unknown-task"}
    assert by_file["duplicate_key.yaml"] == {"duplicate-key"}
    assert by_file["bad_yaml.yaml"] == {"yaml-syntax"}
    assert by_file["missing.yaml"] == {"file-unreadable"}


def test_validate_json_never_has_a_null_code(validated):
    payload = json.loads(json.dumps([vars(f) for f in validated]))
    assert payload and all(item["code"] in ALL_CODES for item in payload), payload
