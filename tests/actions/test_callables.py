"""Python actions: module:function refs and entry-point registered callables (reference 9.3)."""

from __future__ import annotations

import sys
import textwrap
import time

import pytest

from attune_provider.actions import ActionRegistry, PythonCallableAction, UnknownActionError


@pytest.fixture
def plain() -> ActionRegistry:
    return ActionRegistry(packs_folders=[], pack_entry_point_group=None)


def test_module_function_receives_input_as_keywords(plain):
    action = plain.resolve("tests.actions.sample_callables:add")
    assert action.kind == "python"
    assert action.parameters["a"].required and action.parameters["a"].type == "integer"
    assert action.parameters["b"].default == 10
    result = action.run({"a": 1, "b": 2})
    assert result.succeeded and result.data == {"sum": 3} and result.exit_code is None
    assert action.run({"a": 5}).data == {"sum": 15}  # default from the signature
    # undeclared keys (workflow parameters passed to a task without input) are dropped
    assert action.run({"a": 1, "b": 1, "other": "x"}).data == {"sum": 2}
    assert plain.resolve("tests.actions.sample_callables:flexible").run({"x": 1, "y": 2}).data == {
        "keys": ["x", "y"]
    }


def test_validation_from_signature_before_the_call(plain):
    result = plain.resolve("tests.actions.sample_callables:add").run({"a": "one"})
    assert "parameter 'a': 'one' is not of type 'integer'" in result.error
    assert (
        "missing required parameter 'a'" in plain.resolve("tests.actions.sample_callables:add").run({}).error
    )


def test_exception_fails_with_text_and_traceback_in_log(plain, capture):
    log, handler = capture
    result = plain.resolve("tests.actions.sample_callables:explode").run({"reason": "bad data"}, log=log)
    assert result.outcome == "failed"
    assert result.error == "RuntimeError: exploded: bad data"
    assert "Traceback (most recent call last)" in handler.text and "sample_callables.py" in handler.text


def test_timeout_reports_timed_out(plain):
    started = time.monotonic()
    result = plain.resolve("tests.actions.sample_callables:slow").run({"seconds": 10}, timeout=0.2)
    assert result.outcome == "timed_out"
    assert "cannot be killed" in result.error
    assert time.monotonic() - started < 5  # returned at the limit, not when the code finished
    assert (
        plain.resolve("tests.actions.sample_callables:slow").run({"seconds": 0.01}, timeout=5).data == "done"
    )


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("tests.actions.no_such_module:f", "cannot import module 'tests.actions.no_such_module'"),
        ("tests.actions.sample_callables:nothing", "has no attribute 'nothing'"),
        ("tests.actions.sample_callables:NOT_CALLABLE", "is not callable"),
        ("tests.actions.sample_callables:", "not of the form 'module:function'"),
    ],
)
def test_bad_callable_refs(plain, ref, reason):
    with pytest.raises(UnknownActionError) as info:
        plain.resolve(ref)
    assert info.value.ref == ref
    assert reason in str(info.value)


@pytest.fixture
def installed_distribution(tmp_path, monkeypatch):
    """A real installed distribution (dist-info on sys.path) declaring attune entry points."""
    site = tmp_path / "site"
    pkg = site / "attune_ep_sample"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        textwrap.dedent("""
        from pathlib import Path

        def shout(text: str) -> dict:
            return {"loud": text.upper()}

        def pack_folder():
            return str(Path(__file__).parent / "packs" / "installed")
    """)
    )
    pack = pkg / "packs" / "installed"
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text("ref: installed\nlabel: Installed pack\n")
    (pack / "actions" / "hello.yaml").write_text(
        "ref: installed.hello\nrunner_type: shell\nentry_point: hello.sh\noutput_format: json\n"
    )
    (pack / "actions" / "hello.sh").write_text('#!/bin/bash\necho "{\\"pack\\": \\"$ATTUNE_PACK_REF\\"}"\n')
    dist = site / "attune_ep_sample-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: attune-ep-sample\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[attune_provider.actions]\nsample.shout = attune_ep_sample:shout\n\n"
        "[attune_provider.packs]\ninstalled = attune_ep_sample:pack_folder\n"
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("attune_ep_sample", None)


def test_entry_point_actions_and_packs(installed_distribution):
    registry = ActionRegistry(packs_folders=[])
    shout = registry.resolve("sample.shout")
    assert isinstance(shout, PythonCallableAction)
    assert shout.run({"text": "hey"}).data == {"loud": "HEY"}
    assert "installed" in registry.pack_refs()
    hello = registry.resolve("installed.hello")
    assert hello.kind == "pack"
    result = hello.run({})
    assert result.succeeded, result.error
    assert result.data == {"pack": "installed"}
    # a registry told not to look at entry points does not see them
    closed = ActionRegistry(packs_folders=[], entry_point_group=None, pack_entry_point_group=None)
    with pytest.raises(UnknownActionError):
        closed.resolve("sample.shout")
    with pytest.raises(UnknownActionError):
        closed.resolve("installed.hello")
