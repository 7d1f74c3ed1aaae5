"""Airflow's triggerer for a parallel ``attune-airflow run``, in a forked child of the CLI.

Deferred task instances resume only when a triggerer fires their trigger. In-process
``dag.test()`` runs each trigger inline, but with an executor (parallel mode) nothing did: a
nested workflow's parent, which waits for its child run deferred, waited forever (so would any
deferrable operator a workflow runs). The CLI runs Airflow's own ``TriggererJobRunner`` beside
the executor for the run, as ``airflow triggerer`` would, checking for new triggers every second
instead of every five. (Inquiries need none: an answer or a timeout puts their task instance
back to scheduled in the metadata DB.)
"""

from __future__ import annotations

from attune_provider.cli.forked import ForkedChild

#: seconds between the triggerer's checks for new triggers ([triggerer] job_heartbeat_sec)
HEARTRATE_S = 1.0


def run_triggerer() -> None:
    """The triggerer's job loop until terminated (runs in the forked child)."""
    from airflow.configuration import conf
    from airflow.jobs.job import Job, run_job
    from airflow.jobs.triggerer_job_runner import TriggererJobRunner

    runner = TriggererJobRunner(
        job=Job(heartrate=HEARTRATE_S), capacity=conf.getint("triggerer", "capacity", fallback=1000)
    )
    run_job(job=runner.job, execute_callable=runner._execute)


def start_triggerer() -> ForkedChild:
    """Fork the triggerer; the metadata DB must exist (its job registers itself there)."""
    from airflow.jobs import triggerer_job_runner  # noqa: F401  (imported before the fork)

    return ForkedChild("triggerer", run_triggerer).start()
