"""Templates and the per-run context (SPEC 10, 11).

Public API: ``render``, ``evaluate_condition``, ``check_template``, ``referenced_tasks``,
``WorkflowContext``, ``ResultResolver``, ``ResultView``, ``as_result_view`` and the
exceptions ``ExpressionError`` > ``ExpressionSyntaxError``, ``UndefinedNameError``.
"""

from attune_provider.expressions.context import (
    AirflowVariableKeystore,
    ResultResolver,
    WorkflowContext,
    system_values,
)
from attune_provider.expressions.engine import (
    check_template,
    evaluate_condition,
    has_template,
    referenced_tasks,
    render,
)
from attune_provider.expressions.errors import ExpressionError, ExpressionSyntaxError, UndefinedNameError
from attune_provider.expressions.result_view import ResultListView, ResultView, as_result_view

__all__ = [
    "AirflowVariableKeystore",
    "ExpressionError",
    "ExpressionSyntaxError",
    "ResultListView",
    "ResultResolver",
    "ResultView",
    "UndefinedNameError",
    "WorkflowContext",
    "as_result_view",
    "check_template",
    "evaluate_condition",
    "has_template",
    "referenced_tasks",
    "render",
    "system_values",
]
