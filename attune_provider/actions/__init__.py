"""What a task executes: pack processes, built-in core actions, Python callables, Airflow operators.

Public API::

    registry = action_registry()      # actions.registries: the one factory
    action = registry.resolve("mypack.fetch")           # UnknownActionError if nothing matches
    result = action.run({"url": ...}, timeout=30, context=airflow_context)
    result.to_dict()                                    # the stored form (reference 11)
"""

from attune_provider.actions.base import Action, ActionKind, RunContext, exec_id_from_context
from attune_provider.actions.callables import PythonCallableAction, import_callable
from attune_provider.actions.core_actions import CORE_ACTION_REFS, core_action
from attune_provider.actions.formats import OutputParseError, format_parameters, parse_output
from attune_provider.actions.operator_action import OperatorAction
from attune_provider.actions.pack_runner import PackAction, PackActionError
from attune_provider.actions.parameters import (
    ActionParameterError,
    flat_parameters,
    prepare_parameters,
    to_json_schema,
)
from attune_provider.actions.registry import (
    ACTIONS_ENTRY_POINT_GROUP,
    PACKS_ENTRY_POINT_GROUP,
    ActionRegistry,
    UnknownActionError,
    WorkflowAction,
)
from attune_provider.actions.result import ActionResult, Outcome

__all__ = [
    "ACTIONS_ENTRY_POINT_GROUP",
    "CORE_ACTION_REFS",
    "PACKS_ENTRY_POINT_GROUP",
    "Action",
    "ActionKind",
    "ActionParameterError",
    "ActionRegistry",
    "ActionResult",
    "OperatorAction",
    "Outcome",
    "OutputParseError",
    "PackAction",
    "PackActionError",
    "PythonCallableAction",
    "RunContext",
    "UnknownActionError",
    "WorkflowAction",
    "core_action",
    "exec_id_from_context",
    "flat_parameters",
    "format_parameters",
    "import_callable",
    "parse_output",
    "prepare_parameters",
    "to_json_schema",
]
