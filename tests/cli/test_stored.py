"""Reference parsing and --index/--key walking used by `show` (and the UI plugin), in-process."""

from __future__ import annotations

import json

import pytest

from attune_provider.cli.errors import CliError
from attune_provider.cli.stored import parse_ref, reference_of, walk

KEY = "ab" * 32


def test_parse_ref_accepts_key_uri_and_xcom_json():
    assert parse_ref(KEY) == (KEY, ())
    assert parse_ref(f"attune://{KEY}") == (KEY, ())
    ref = {"__attune_ref__": 1, "key": KEY, "path": ["data", 3], "kind": "list"}
    assert parse_ref(json.dumps(ref)) == (KEY, ("data", 3))
    for bad in ("../../etc/passwd", "AB" * 32, KEY[:-1], "{not json", '{"key": "x"}'):
        with pytest.raises(CliError):
            parse_ref(bad)


def test_reference_of_recognises_rows_and_ignores_plain_values():
    ref = {"__attune_ref__": 1, "key": KEY, "path": []}
    assert reference_of(ref) == (KEY, ())
    assert reference_of(json.dumps(ref)) == (KEY, ())
    assert reference_of({"key": KEY}) is None
    assert reference_of([1, 2]) is None


def test_walk_indexes_slices_and_keys_in_order():
    value = [{"n": i, "tags": ["a", "b"]} for i in range(10)]
    assert walk(value, [("index", "3"), ("key", "n")]) == 3
    assert walk(value, [("index", "-1"), ("key", "tags"), ("index", "1")]) == "b"
    assert [v["n"] for v in walk(value, [("index", "2:8:3")])] == [2, 5]
    with pytest.raises(CliError, match=r"out of range \(length 10\)"):
        walk(value, [("index", "10")])
    with pytest.raises(CliError, match="not a list"):
        walk({"a": 1}, [("index", "0")])
    with pytest.raises(CliError, match="not a mapping"):
        walk(value, [("key", "n")])
    with pytest.raises(CliError, match="no such key"):
        walk(value, [("index", "0"), ("key", "missing")])
    with pytest.raises(CliError, match="expected an integer or a slice"):
        walk(value, [("index", "x")])
