"""``airflow attune ...``: the same commands through Airflow's own CLI (provider ``cli`` hook).

Airflow has already read its configuration when these run, so the environment it was started
with (AIRFLOW_HOME, DB, XCom backend) is the one used; everything after ``attune`` is handed to
:func:`attune_provider.cli.main.main` unchanged.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def run_attune(args: argparse.Namespace) -> None:
    from attune_provider.cli.main import main

    code = main(list(args.arguments))
    if code:
        sys.exit(code)


def get_cli_commands() -> list[Any]:
    """Registered in provider info under ``cli``; Airflow adds the returned commands to ``airflow``."""
    from airflow.cli.cli_config import ActionCommand, Arg

    return [
        ActionCommand(
            name="attune",
            help="attune workflows: validate, render, graph, run, gc, show (see `airflow attune -- --help`)",
            description="Run `attune-airflow` commands inside Airflow's CLI, e.g. "
            "`airflow attune validate packs/` or `airflow attune run wf.yaml -p n=3`.",
            func=run_attune,
            args=(
                Arg(
                    ("arguments",),
                    nargs=argparse.REMAINDER,
                    help="an attune-airflow command and its arguments",
                ),
            ),
        )
    ]
