"""``attune-airflow show`` and ``gc``: read one stored value (or a slice), collect garbage."""

from __future__ import annotations

import argparse
import contextlib
import json
from typing import Any

from attune_provider.cli import environment
from attune_provider.cli.errors import CliError
from attune_provider.cli.stored import parse_ref, result_store, walk
from attune_provider.cli.workflows import to_json


def run_show(args: argparse.Namespace) -> int:
    environment.prepare(args.airflow_home)
    key, path = parse_ref(args.ref)
    store = result_store()
    from attune_provider.store.errors import StoreError

    try:
        value = walk(store.load(key, path), args.steps)
        if args.info:
            info = {"key": key, "path": list(path), "type": type(value).__name__}
            with contextlib.suppress(TypeError):
                info["length"] = len(value)
            info["object_bytes"] = _object_size(store, key)
            print(json.dumps(info, indent=2))
            return 0
        print(to_json(value))
    except StoreError as exc:
        raise CliError(str(exc), exit_code=1) from None
    return 0


def _object_size(store: Any, key: str) -> int | None:
    try:
        return int(store.fs.info(store.object_path(key)).get("size") or 0)
    except (OSError, KeyError):
        return None


def run_gc(args: argparse.Namespace) -> int:
    environment.prepare(args.airflow_home)
    environment.ensure_database()
    from attune_provider.store.gc import collect

    report = collect(result_store(), dry_run=args.dry_run, grace_seconds=args.grace)
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report)
        if args.dry_run:
            print("dry run: nothing was deleted")
    return 0
