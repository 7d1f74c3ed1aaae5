"""Templates and the per-run context (reference 10, 11).

Public API: ``render``, ``evaluate_expression``, ``evaluate_condition``, ``check_template``,
``referenced_tasks``, ``is_template``, ``is_expression``, ``text_truth``,
``WorkflowContext``, ``ResultResolver``, ``ResultView``, ``as_result_view`` and the
exceptions ``ExpressionError`` > ``ExpressionSyntaxError``, ``UndefinedNameError``.
"""

from attune_provider.expressions.conditions import evaluate_condition
from attune_provider.expressions.context import (
    AirflowVariableKeystore,
    ResultResolver,
    WorkflowContext,
    system_values,
)
from attune_provider.expressions.engine import (
    check_template,
    evaluate_expression,
    has_template,
    is_expression,
    referenced_tasks,
    render,
)
from attune_provider.expressions.errors import ExpressionError, ExpressionSyntaxError, UndefinedNameError
from attune_provider.expressions.limits import TemplateLimitError
from attune_provider.expressions.result_view import ResultListView, ResultView, as_result_view
from attune_provider.expressions.text_rules import is_template, text_truth

__all__ = [
    "AirflowVariableKeystore",
    "ExpressionError",
    "ExpressionSyntaxError",
    "ResultListView",
    "ResultResolver",
    "ResultView",
    "TemplateLimitError",
    "UndefinedNameError",
    "WorkflowContext",
    "as_result_view",
    "check_template",
    "evaluate_condition",
    "evaluate_expression",
    "has_template",
    "is_expression",
    "is_template",
    "referenced_tasks",
    "render",
    "system_values",
    "text_truth",
]
