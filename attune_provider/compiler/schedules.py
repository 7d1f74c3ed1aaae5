"""A timer rule's ``TimerSchedule`` -> the DAG's ``schedule``/``start_date``/``end_date``.

* ``cron``: ``CronTriggerTimetable`` in the timer's timezone (a run at each tick, as attune's
  timer fires; not at the end of a data interval);
* ``interval``: ``DeltaTriggerTimetable`` (a run every interval, the first one interval after
  the start);
* ``once``: ``@once`` at ``start_date`` (the ``fire_at`` instant).
"""

from __future__ import annotations

from typing import Any

from attune_provider.spec.model import TimerSchedule


def timer_dag_kwargs(timer: TimerSchedule) -> dict[str, Any]:
    """``schedule``, ``start_date`` and ``end_date`` keyword arguments for the DAG."""
    kwargs: dict[str, Any] = {"start_date": timer.start_date, "catchup": False}
    if timer.end_date is not None:
        kwargs["end_date"] = timer.end_date
    if timer.kind == "cron":
        from airflow.sdk import CronTriggerTimetable

        kwargs["schedule"] = CronTriggerTimetable(timer.cron or "", timezone=timer.timezone)
    elif timer.kind == "interval":
        from airflow.sdk import DeltaTriggerTimetable

        kwargs["schedule"] = DeltaTriggerTimetable(timer.every)
    elif timer.kind == "once":
        kwargs["schedule"] = "@once"
    else:  # pragma: no cover - spec/timers.py makes only these three
        raise ValueError(f"unknown timer schedule kind {timer.kind!r}")
    return kwargs
