"""What ``attune_input`` shows when Airflow renders templates outside a run (``airflow tasks render``).

attune's engine renders a task's input from upstream results when the instance runs, so Airflow's
Jinja has nothing to render beforehand. The task runner stores the input the instance really got
in Airflow's rendered-fields table (``overwrite_rtif_after_execution``); for an instance that has
run, ``airflow tasks render`` shows that same row, so the command, the Rendered Templates tab and
the REST API agree. For one that has not run yet it says so instead of printing ``None``.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

NOT_RUN_YET = (
    "(not rendered yet: attune renders this input from upstream results when the instance runs; "
    "the Rendered Templates tab shows it afterwards)"
)
#: states in which the instance is being executed by this very process: leave the field alone
_RUNNING = frozenset({"running", "deferred", "up_for_reschedule", "restarting"})


def input_outside_a_run(ti: Any) -> Any | None:
    """The stored input of an instance that has run, a notice for one that has not, or None
    when ``ti`` is being executed (the operator records the input itself then)."""
    state = getattr(ti, "state", None)
    state = str(getattr(state, "value", state)) if state is not None else None
    if state in _RUNNING:
        return None
    # ``airflow tasks render`` hands over an instance without its state: the stored row decides
    stored = _stored_fields(ti)
    if stored is not None and "attune_input" in stored:
        return stored["attune_input"]
    return NOT_RUN_YET


def _stored_fields(ti: Any) -> dict[str, Any] | None:
    """The instance's row of Airflow's rendered-fields table; None where this process has no
    metadata DB (a worker's task process) or the row is gone."""
    try:
        from airflow.models.renderedtifields import RenderedTaskInstanceFields

        return RenderedTaskInstanceFields.get_templated_fields(ti)
    except Exception as exc:  # no DB in this process, or no such table: nothing stored to show
        log.debug("attune: no stored rendered fields for %s: %s", getattr(ti, "task_id", ti), exc)
        return None
