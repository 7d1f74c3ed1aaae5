"""A transition's ``when``, evaluated the way attune evaluates it (docs/expressions.md, "when").

attune (``crates/executor/src/workflow/graph.rs`` ``TransitionKind`` and
``crates/executor/src/workflow/context.rs`` ``evaluate_condition``) decides a ``when`` in
three steps, and so does this module:

1. Fast path: ``succeeded()``, ``failed()``, ``timed_out()`` (or the same inside ``{{ }}``;
   case and whitespace ignored) answer from the task's outcome without rendering;
   ``always`` is true.
2. Text without template markup is evaluated as one bare expression
   (``succeeded() and result().code == 200``); its value's truth is attune's ``is_truthy``.
3. Otherwise the text is rendered as a template and the result read as text:
   ``true``/``1``/``yes`` true, ``false``/``0``/``no``/empty false, other non-empty text true.

Deviation (loud instead of silently true): attune falls back to step 3 whenever step 2 fails,
so a bare expression that *parses* but fails to evaluate (unknown name, type error) renders
as its own non-empty text and fires. Here that is an ``ExpressionError`` (the routing step
logs it and treats the transition as not taken). Text that does not parse as an expression
still follows step 3, as in attune; a bare ``yes``/``no``/``FALSE`` word is read as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attune_provider.expressions.context import WorkflowContext
from attune_provider.expressions.engine import evaluate_expression, render
from attune_provider.expressions.errors import ExpressionError, ExpressionSyntaxError, UndefinedNameError
from attune_provider.expressions.functions import to_text
from attune_provider.expressions.text_rules import FALSE_TEXT, TRUE_TEXT, is_template, json_truthy, text_truth

__all__ = ["evaluate_condition", "fast_path_outcome", "rendered_truth"]

_FAST_PATH = {
    "succeeded()": "succeeded",
    "{{succeeded()}}": "succeeded",
    "failed()": "failed",
    "{{failed()}}": "failed",
    "timed_out()": "timed_out",
    "{{timed_out()}}": "timed_out",
    "always": "always",
}


def fast_path_outcome(text: str) -> str | None:
    """The outcome a ``when`` tests when it is one of attune's fast-path forms, else None."""
    return _FAST_PATH.get("".join(text.lower().split()))


def rendered_truth(value: Any) -> bool:
    """Truth of a rendered template: a bool as is, anything else by its text (step 3)."""
    if isinstance(value, bool):
        return value
    return text_truth(to_text(value))


def _value(value: Any, text: str, where: str) -> Any:
    """A function is never a condition: ``when: succeeded`` (no parentheses) is a mistake."""
    if callable(value):
        prefix = f"{where}: " if where else ""
        raise ExpressionError(
            f"{prefix}condition {text!r} is a function, not a value: call it, e.g. succeeded()",
            expression=text,
            where=where,
        )
    return value


def evaluate_condition(text: Any, ctx: WorkflowContext | Mapping[str, Any], *, where: str = "") -> bool:
    """Whether a transition's ``when`` holds (module docstring); raises ExpressionError.

    A missing ``when`` (fires on any outcome) is the caller's business: None here is False.
    """
    if text is None:
        return False
    if isinstance(text, bool):
        return text
    if not isinstance(text, str):
        text = str(text)
    outcome = fast_path_outcome(text)
    if outcome == "always":
        return True
    if outcome is not None and isinstance(ctx, WorkflowContext) and ctx.outcome is not None:
        return ctx.outcome == outcome
    if is_template(text):
        return rendered_truth(_value(render(text, ctx, where=where), text, where))
    if not text.strip():
        return False
    try:
        return json_truthy(_value(evaluate_expression(text, ctx, where=where), text, where))
    except ExpressionSyntaxError:
        return text_truth(text)  # not an expression: attune renders it, i.e. reads the text
    except UndefinedNameError as exc:
        if text.strip().lower() in TRUE_TEXT | FALSE_TEXT and exc.name == text.strip():
            return text_truth(text)  # `when: yes` / `when: no`: a word, not a variable
        raise
