"""An airflow DAG compiled from attune YAML, next to the plain matrix DAG: ``[attune] offload`` tells them apart.

(The words "airflow" and "dag" make DagBag's safe mode parse this file.)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from attune_provider.compiler import compile_workflow
from attune_provider.spec.loader import load_workflow_file

WORKFLOW = """\
ref: xcom_compat.scope
tasks:
  - name: hello
    action: core.echo
    input: {message: "hello from attune"}
"""

_path = Path(tempfile.mkdtemp(prefix="attune-scope-")) / "scope.yaml"
_path.write_text(WORKFLOW)
scope_dag = compile_workflow(load_workflow_file(_path))
