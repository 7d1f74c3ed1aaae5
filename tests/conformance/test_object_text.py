"""Objects and numbers inside text, and ``keys``/``values``, as attune's serde_json gives them.

attune holds every value as ``serde_json::Value``; its ``Map`` is a ``BTreeMap`` (no
``preserve_order`` feature in attune's Cargo.toml), so object keys come out sorted:
``keys(obj)`` and ``values(obj)`` follow key order, and an object interpolated into text
(``value_to_string`` in ``crates/executor/src/workflow/context.rs``: ``serde_json::to_string``)
is written with sorted keys. Numbers in text use serde_json's (ryu) form: ``1e16``, ``1e-7``.
Probing published objects showed insertion order and Python's ``1e+16`` here (a workflow that
built a command or compared text from them saw different strings); these cases failed before.
The byte-level writer is the one parameter documents use (``expressions/serde_json_text.py``).
"""

from __future__ import annotations

import pytest

from attune_provider.expressions import WorkflowContext, evaluate_expression, render
from tests.expressions.views import wrap

CTX = WorkflowContext(
    parameters={"o": {"b": 2, "a": 1}, "view": wrap({"z": [{"y": 1, "x": 2}], "m": None}), "big": 10**16 * 1.0},
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("keys(parameters.o)", ["a", "b"]),
        ("values(parameters.o)", [1, 2]),
        ("keys(parameters.view)", ["m", "z"]),
        ("string(parameters.o)", '{"a":1,"b":2}'),
        ("string(parameters.view)", '{"m":null,"z":[{"x":2,"y":1}]}'),
        ("string(1e16)", "1e16"),
        ("string(0.0000001)", "1e-7"),
    ],
)
def test_functions_follow_serde_json(expression, expected):
    assert evaluate_expression(expression, CTX) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("o={{ parameters.o }}", 'o={"a":1,"b":2}'),
        ("v={{ parameters.view }}", 'v={"m":null,"z":[{"x":2,"y":1}]}'),
        ("n={{ parameters.big }}", "n=1e16"),
        ("n={{ 0.0000001 }} {{ 2.5 }} {{ 3.0 }} {{ 7 }}", "n=1e-7 2.5 3.0 7"),
        ("s={{ 'é' }} {{ ['é'] }}", 's=é ["é"]'),
    ],
)
def test_mixed_text_follows_serde_json(template, expected):
    assert render(template, CTX) == expected
