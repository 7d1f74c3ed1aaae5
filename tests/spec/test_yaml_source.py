"""yaml_source: plain values plus a location for every key, value and item."""

from __future__ import annotations

import datetime as dt

import pytest

from attune_provider.spec.errors import LoadError
from attune_provider.spec.model import Location
from attune_provider.spec.yaml_source import format_path, parse_yaml, read_yaml

TEXT = b"""\
tasks:
  - name: a
    next:
      - do:
          - b
          - c
  - name: b
when: 2024-01-01
"""


def test_values_are_plain_python():
    doc = parse_yaml(TEXT, "f.yaml")
    assert doc.data == {
        "tasks": [{"name": "a", "next": [{"do": ["b", "c"]}]}, {"name": "b"}],
        "when": dt.date(2024, 1, 1),
    }


def test_locations_of_items_keys_and_values_are_one_based():
    doc = parse_yaml(TEXT, "f.yaml")
    assert doc.loc(("tasks", 0, "next", 0, "do", 1)) == Location("f.yaml", 6, 13)
    assert doc.loc(("tasks", 1)) == Location("f.yaml", 7, 5)
    assert doc.key_loc(("tasks", 0, "next")) == Location("f.yaml", 3, 5)
    assert doc.loc(("when",)) == Location("f.yaml", 8, 7)


def test_unknown_path_falls_back_to_nearest_parent():
    doc = parse_yaml(TEXT, "f.yaml")
    assert doc.loc(("tasks", 0, "next", 0, "when")) == doc.loc(("tasks", 0, "next", 0))


def test_duplicate_keys_are_errors_each_reported_in_document_order():
    text = b"a: 1\nb:\n  c: 1\n  c: 2\na: 3\n"
    with pytest.raises(LoadError) as info:
        parse_yaml(text, "f.yaml")
    assert [str(error) for error in info.value.errors] == [
        "f.yaml:4:3: error: duplicate key 'c' in mapping 'b' (first defined at line 3) "
        "(hint: YAML would silently keep only the last value; remove or rename one of them)",
        "f.yaml:5:1: error: duplicate key 'a' in mapping (first defined at line 1) "
        "(hint: YAML would silently keep only the last value; remove or rename one of them)",
    ]


def test_duplicate_next_to_merge_key_is_still_reported():
    with pytest.raises(LoadError, match="duplicate key 'q'"):
        parse_yaml(b"base: &b {p: 1}\nm:\n  <<: *b\n  q: 1\n  q: 2\n", "f.yaml")


def test_scalar_types_and_non_string_keys():
    doc = parse_yaml(b"i: 1\nf: 1.5\nb: yes\nn: ~\n1: int key\nt: 2024-01-01 10:00:00\n", "f.yaml")
    assert doc.data["i"] == 1 and doc.data["f"] == 1.5 and doc.data["b"] is True and doc.data["n"] is None
    assert doc.data[1] == "int key" and doc.data["t"] == dt.datetime(2024, 1, 1, 10, 0)
    assert doc.key_loc((1,)).line == 5


def test_syntax_error_has_line_column_and_problem():
    with pytest.raises(LoadError) as info:
        parse_yaml(b"a: 1\n  b: 2\n", "f.yaml")
    (error,) = info.value.errors
    assert (error.location.line, error.location.column) == (2, 4)
    assert "mapping values are not allowed" in error.message


def test_merge_keys_resolve_and_explicit_keys_win():
    doc = parse_yaml(b"base: &b {p: 1, q: 2}\nm:\n  <<: *b\n  q: 3\n", "f.yaml")
    assert doc.data["m"] == {"p": 1, "q": 3}


def test_unknown_tag_and_recursive_alias_are_errors():
    with pytest.raises(
        LoadError, match=r"f.yaml:1:4: error: invalid YAML: could not determine a constructor"
    ):
        parse_yaml(b"x: !foo 1\n", "f.yaml")
    with pytest.raises(LoadError, match="recursive YAML alias"):
        parse_yaml(b"a: &x [*x]\n", "f.yaml")


def test_empty_document_is_none_and_missing_file_is_load_error(tmp_path):
    assert parse_yaml(b"", "f.yaml").data is None
    with pytest.raises(LoadError, match="cannot read file"):
        read_yaml(tmp_path / "missing.yaml")


def test_read_keeps_raw_bytes(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(TEXT)
    assert read_yaml(path).raw == TEXT


def test_format_path():
    assert format_path(("tasks", 3, "next", 0, "do", 1)) == "tasks[3].next[0].do[1]"


def test_bad_bytes_are_located():
    with pytest.raises(LoadError) as info:
        parse_yaml(b"a: 1\nb: \xff\xfe\n", "f.yaml")
    assert str(info.value) == (
        "f.yaml:2:4: error: invalid YAML: invalid leading UTF-8 octet (hint: save the file as UTF-8 text)"
    )
