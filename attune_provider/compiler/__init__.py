"""WorkflowSpec -> Airflow DAG."""

from attune_provider.compiler.build import compile_workflow
from attune_provider.compiler.errors import CompileError

__all__ = ["CompileError", "compile_workflow"]
