"""Loader bounds (issue 12 item 7): alias expansion, document size and nesting depth.

Each limit fails fast with a located error naming the limit and the ``[attune]`` setting that
raises it, instead of hanging, eating memory or ending in an unlocated ``RecursionError``.
"""

from __future__ import annotations

import resource
import time

import pytest

from attune_provider.spec.errors import LoadError
from attune_provider.spec.limits import LoaderLimits
from attune_provider.spec.yaml_source import parse_yaml, read_yaml

# a "billion laughs" document (9 levels of 9 aliases, 342 bytes; the probe was 407 bytes)
ALIAS_BOMB = (
    b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    b"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    b"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)

MERGE_BOMB = b"a0: &a0 {k0: 1, k1: 2}\n" + b"".join(
    b"a%d: &a%d {<<: [" % (level, level) + b",".join([b"*a%d" % (level - 1)] * 9) + b"]}\n"
    for level in range(1, 12)
)


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_alias_bomb_fails_fast_with_located_error_naming_the_setting():
    assert len(ALIAS_BOMB) <= 420
    before = _max_rss_mb()
    start = time.monotonic()
    with pytest.raises(LoadError) as info:
        parse_yaml(ALIAS_BOMB, "bomb.yaml")
    assert time.monotonic() - start < 5
    assert _max_rss_mb() - before < 200
    (error,) = info.value.errors
    assert error.location.file == "bomb.yaml" and error.location.line >= 2
    assert "alias" in error.message and "[attune] max_yaml_alias_nodes" in str(error)


def test_merge_key_bomb_is_bounded_and_keeps_merge_semantics():
    start = time.monotonic()
    doc = parse_yaml(MERGE_BOMB, "merge.yaml")
    assert time.monotonic() - start < 5
    assert doc.data["a11"] == {"k0": 1, "k1": 2}


def test_moderate_alias_use_still_loads():
    doc = parse_yaml(b"base: &b {retry: 3, timeout: 10}\nx: [*b, *b, *b]\n", "ok.yaml")
    assert doc.data["x"] == [{"retry": 3, "timeout": 10}] * 3


def test_600_nested_mappings_give_located_depth_error_not_recursion_error():
    text = "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 600)) + "  " * 600 + "c: 1\n"
    with pytest.raises(LoadError) as info:
        parse_yaml(text, "deep.yaml")
    (error,) = info.value.errors
    assert error.location.file == "deep.yaml" and error.location.line > 1
    assert "nesting" in error.message and "[attune] max_yaml_depth" in str(error)


def test_deep_flow_nesting_is_located_too():
    text = "a: " + "[" * 900 + "]" * 900 + "\n"
    with pytest.raises(LoadError) as info:
        parse_yaml(text, "flow.yaml")
    assert "[attune] max_yaml_depth" in str(info.value)
    assert info.value.errors[0].location.line == 1


def test_oversized_document_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW__ATTUNE__MAX_DOCUMENT_BYTES", "1000")
    big = tmp_path / "big.yaml"
    big.write_text("x: " + "a" * 2000 + "\n")
    with pytest.raises(LoadError) as info:
        read_yaml(big)
    (error,) = info.value.errors
    assert error.location.file == str(big)
    assert "2004 bytes" in error.message and "[attune] max_document_bytes" in str(error)


def test_limits_are_raised_through_the_settings(monkeypatch):
    text = "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 60)) + "  " * 60 + "c: 1\n"
    parse_yaml(text, "ok.yaml")  # 60 levels: inside the default
    monkeypatch.setenv("AIRFLOW__ATTUNE__MAX_YAML_DEPTH", "20")
    with pytest.raises(LoadError, match="more than 20 levels"):
        parse_yaml(text, "deep.yaml")
    monkeypatch.setenv("AIRFLOW__ATTUNE__MAX_YAML_ALIAS_NODES", "5")
    with pytest.raises(LoadError, match="max_yaml_alias_nodes"):
        parse_yaml(b"b: &b [1, 2, 3]\nx: [*b, *b, *b]\n", "a.yaml")


def test_a_bad_setting_value_is_a_loud_error(monkeypatch):
    monkeypatch.setenv("AIRFLOW__ATTUNE__MAX_YAML_DEPTH", "lots")
    with pytest.raises(ValueError, match=r"\[attune\] max_yaml_depth"):
        LoaderLimits.current()

