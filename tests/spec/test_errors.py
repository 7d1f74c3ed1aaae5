"""SpecError / LoadError text: file:line:column: error: message (hint: ...)."""

from __future__ import annotations

import pickle

from attune_provider.spec import LoadError, Location, SpecError


def test_spec_error_format_with_and_without_hint():
    error = SpecError(Location("wf.yaml", 3, 7), "bad thing", "do this")
    assert str(error) == "wf.yaml:3:7: error: bad thing (hint: do this)"
    assert str(SpecError(Location("wf.yaml", 3, 7), "bad thing")) == "wf.yaml:3:7: error: bad thing"
    assert str(SpecError(Location("wf.yaml"), "bad thing")) == "wf.yaml: error: bad thing"


def test_load_error_lists_every_error_on_its_own_line():
    errors = [SpecError(Location("a.yaml", 1, 1), "one"), SpecError(Location("b.yaml", 2, 3), "two", "h")]
    text = str(LoadError(errors))
    assert text.splitlines() == [
        "2 errors:",
        "  a.yaml:1:1: error: one",
        "  b.yaml:2:3: error: two (hint: h)",
    ]
    assert str(LoadError(errors[:1])) == "a.yaml:1:1: error: one"


def test_errors_survive_pickling():
    error = LoadError([SpecError(Location("a.yaml", 1, 2), "one", "hint")])
    copy = pickle.loads(pickle.dumps(error))
    assert copy.errors == error.errors
    assert str(copy) == str(error)
