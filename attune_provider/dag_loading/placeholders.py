"""Making a broken workflow file visible in Airflow: import errors and placeholder DAGs.

Import errors are per ``.py`` file in Airflow 3.3: the processor runs
``DagBag.process_file(loader.py)`` and stores ``DagBag.import_errors`` as ``ParseImportError``
rows (the UI's "Import errors" panel, ``airflow dags list-import-errors``). Each broken YAML
file is recorded in the ``import_errors`` of the DagBag importing us
(``_airflow_compat.dagbag_import_errors``), **keyed by the YAML file's path** -- keyed by the
loader's path, Airflow would mark every good DAG of the loader stale. Airflow drops errors of
files it does not list (only ``.py``) at each bundle refresh and writes them back at the next
parse, so there is also one **placeholder DAG per broken file** (``attune_load_error.<path>``,
tag ``attune:load-error``) whose ``doc_md`` shows the errors and whose task fails with them.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from attune_provider._airflow_compat.dagbag_import_errors import importing_dagbag
from attune_provider.dag_loading.units import Problem

log = logging.getLogger(__name__)

ERROR_DAG_PREFIX = "attune_load_error."
ERROR_TAG = "attune:load-error"


def format_problems(file: str, problems: Sequence[Problem]) -> str:
    """The import-error text for one file: a headline plus one ``file:line:col`` line per problem."""
    noun = "problem" if len(problems) == 1 else "problems"
    lines = [f"attune workflow file {file}: {len(problems)} {noun}"]
    lines.extend(str(problem) for problem in problems)
    return "\n".join(lines)


def record_import_errors(problems: dict[str, list[Problem]]) -> bool:
    """Add each file's problems to the ``import_errors`` of the DagBag importing us.

    Returns False when no DagBag is on the stack (plain ``import``); the errors are then only
    logged (and still shown by the placeholder DAGs).
    """
    bag = importing_dagbag()
    for file, items in problems.items():
        text = format_problems(file, items)
        log.error("%s", text)
        if bag is not None:
            bag.import_errors[_bag_key(bag, file)] = text
    return bag is not None


def _bag_key(bag: Any, file: str) -> str:
    """The bag's key style: relative to the bundle when inside it, else the absolute path."""
    bundle_path = getattr(bag, "bundle_path", None)
    if bundle_path:
        with contextlib.suppress(ValueError):
            return str(Path(file).resolve().relative_to(Path(bundle_path).resolve()))
    return str(file)


def error_dag_id(file: Path, root: Path | None) -> str:
    """``attune_load_error.<path relative to its folder>`` with characters Airflow rejects replaced."""
    relative = file
    if root is not None:
        with contextlib.suppress(ValueError):
            relative = file.resolve().relative_to(root)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", relative.as_posix().replace("/", "."))
    return (ERROR_DAG_PREFIX + slug.strip("._"))[:250]


def fail_with_load_error(message: str) -> None:
    """The placeholder DAG's task: fail (no retry) with the load error text."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(message)


def make_error_dag(dag_id: str, file: str, problems: Sequence[Problem]) -> Any:
    """A DAG that shows a broken workflow file's errors and fails with them when triggered."""
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG

    text = format_problems(file, problems)
    rows = "\n".join(f"| {p.line or ''} | {p.column or ''} | {_md_cell(p.message)} |" for p in problems)
    doc = (
        f"### attune workflow failed to load\n\n`{file}`\n\n"
        f"| line | column | problem |\n|---|---|---|\n{rows}\n\n"
        "Fix the file; the real DAG replaces this one at the next parse."
    )
    first = problems[0].message if problems else "load error"
    with DAG(
        dag_id=dag_id,
        schedule=None,
        description=f"attune load error: {Path(file).name}: {first}"[:1000],
        doc_md=doc,
        tags=["attune", ERROR_TAG],
        is_paused_upon_creation=True,
        params={},
    ) as dag:
        PythonOperator(
            task_id="load_error",
            python_callable=fail_with_load_error,
            op_args=[text],
            retries=0,
            doc_md=f"```\n{text}\n```",
        )
    return dag


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
