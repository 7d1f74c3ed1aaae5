"""Secrets of a CLI run, registered with Airflow's secrets masker before the run starts.

The run's log and printed result must never show a keystore value or a parameter marked
``secret: true``. Tasks mask keystore values when they read them, but only in the process that
reads them and only in task logs; the CLI registers every secret it can know up front -- secret
parameters, and the Airflow Variables the workflow's templates name as ``keystore.X`` -- in its
own process (so forked executor workers inherit them) and redacts what it prints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

KEYSTORE_REF = re.compile(r"""keystore\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*['"]([^'"]+)['"]\s*\])""")


def keystore_names(workflow: Any) -> set[str]:
    """Variable names the workflow's YAML reads through ``keystore`` (file text, every template)."""
    from pathlib import Path

    names: set[str] = set()
    for source in {getattr(workflow, "source_file", None), getattr(workflow, "workflow_file", None)}:
        if source and Path(source).is_file():
            text = Path(source).read_text(encoding="utf-8", errors="replace")
            names.update(a or b for a, b in KEYSTORE_REF.findall(text))
    return names


def register(workflows: list[Any], params: Mapping[str, Any]) -> int:
    """Mask secret parameters and referenced keystore values; returns how many were registered."""
    from airflow.models.variable import Variable
    from airflow.sdk.log import mask_secret

    count = 0
    for workflow in workflows:
        for name, spec in workflow.parameters.items():
            value = params.get(name) if workflow is workflows[0] else None
            if getattr(spec, "secret", False):
                for secret in (value, getattr(spec, "default", None)):
                    if secret not in (None, ""):
                        mask_secret(secret, name=name)
                        count += 1
        for name in keystore_names(workflow):
            value = Variable.get(name, default_var=None)
            if value not in (None, ""):
                mask_secret(value, name=name)
                count += 1
    return count


def redact(value: Any) -> Any:
    """``value`` with every registered secret replaced by ``***``: Airflow's public log processor
    ``airflow.sdk.log.mask_logs`` applied to an event holding the value."""
    from airflow.sdk.log import mask_logs

    return mask_logs(None, "info", {"value": value})["value"]


def redact_text(text: str) -> str:
    """A log line with registered secrets masked (before Airflow is imported: unchanged)."""
    import sys

    if "airflow.sdk.log" not in sys.modules:  # nothing was registered with the masker yet
        return text
    return str(redact(text))
