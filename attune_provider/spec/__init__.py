"""YAML -> immutable workflow model: load, validate, normalise legacy fields, check the graph.

Public API: the ``load_*`` functions, their result types, the errors, and the model classes.
"""

from attune_provider.spec.errors import LoadError, SpecError
from attune_provider.spec.loader import (
    LoadedPack,
    LoadResult,
    load_action_file,
    load_pack,
    load_path,
    load_workflow_file,
)
from attune_provider.spec.model import (
    ActionSpec,
    AirflowSettings,
    Location,
    PackSpec,
    ParameterSpec,
    RetryPolicy,
    SpecWarning,
    TaskSpec,
    Transition,
    WaitFor,
    WorkflowSpec,
)

__all__ = [
    "ActionSpec",
    "AirflowSettings",
    "LoadError",
    "LoadResult",
    "LoadedPack",
    "Location",
    "PackSpec",
    "ParameterSpec",
    "RetryPolicy",
    "SpecError",
    "SpecWarning",
    "TaskSpec",
    "Transition",
    "WaitFor",
    "WorkflowSpec",
    "load_action_file",
    "load_pack",
    "load_path",
    "load_workflow_file",
]
