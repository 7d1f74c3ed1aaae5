"""``attune-airflow show`` and ``gc``: read one stored value (or a slice), collect garbage."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from attune_provider.cli import environment
from attune_provider.cli.errors import CliError
from attune_provider.cli.stored import parse_ref, walk
from attune_provider.cli.workflows import to_json


def run_show(args: argparse.Namespace) -> int:
    environment.prepare(args.airflow_home)
    key, path = parse_ref(args.ref)
    from attune_provider.store import ResultStore, StoreError

    store = ResultStore.from_settings()

    try:
        value = walk(store.load(key, path), args.steps)
        if args.info:
            info: dict[str, Any] = {"key": key, "path": list(path), "type": type(value).__name__}
            with contextlib.suppress(TypeError):
                info["length"] = len(value)
            info["object_bytes"] = store.object_size(key)
            print(json.dumps(info, indent=2))
            return 0
        print(to_json(value))
    except StoreError as exc:
        raise CliError(str(exc), exit_code=1) from None
    return 0


def run_gc(args: argparse.Namespace) -> int:
    from attune_provider.store.gc import collect, effective_grace

    try:
        grace, note = effective_grace(args.grace)
    except ValueError as exc:
        raise CliError(f"gc: {exc}", exit_code=2) from None
    if note:
        print(f"attune-airflow gc: {note}", file=sys.stderr)
    home = environment.prepare(args.airflow_home)
    from attune_provider.cli.run_records import home_lock, settle_dead_runs

    with home_lock(home):
        environment.ensure_database()
    settle_dead_runs(home)
    from attune_provider.store import ResultStore

    forget = tuple(args.forget_registrant or ())
    try:
        report = collect(
            ResultStore.from_settings(), dry_run=args.dry_run, grace_seconds=grace, forget=forget
        )
    except ValueError as exc:  # forgetting a live or unknown registrant
        raise CliError(f"gc: {exc}", exit_code=2) from None
    report.requested_grace_seconds = args.grace
    if note:
        report.notes.insert(0, note)
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report)
        if args.dry_run:
            print("dry run: nothing was deleted")
    return 0
