"""``attune-airflow cache publish|show``: fill and inspect the data caches ``iterate_cache`` reads.

A producer (this command, or :meth:`attune_provider.store.data_cache.DataCache.publish_generation`
in any Airflow task) publishes a whole snapshot as a new immutable generation and promotes it to
``active`` atomically, as attune's bulk refresh does (docs/with_items.md, "iterate_cache").
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from attune_provider.cli.errors import CliError


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    cache = commands.add_parser(
        "cache",
        parents=[common],
        help="publish or show the data caches iterate_cache reads",
        description="Data caches live under [attune] store_url (caches/...). `publish` writes a new "
        "generation from a JSON list or JSON-lines file of {external_id, value, ...} records and makes "
        "it the active one; `show` prints the active generation (or --generation N).",
    )
    cache.add_argument("action", choices=("publish", "show"))
    cache.add_argument("namespace", metavar="NAMESPACE")
    cache.add_argument("file", metavar="FILE", nargs="?", help="publish: .json list or .jsonl records")
    cache.add_argument("--owner-type", default="pack", help="pack (default), action, sensor or system")
    cache.add_argument("--owner-ref", help="the pack / action / sensor ref (system caches take none)")
    cache.add_argument("--generation", default="active", help="show: a generation id (default active)")
    cache.add_argument(
        "--freshness-target", type=int, metavar="SECONDS", help="publish: age after which require_fresh fails"
    )
    cache.set_defaults(handler="attune_provider.cli.cache_cmd:run")


def _records(path: Path) -> list[dict[str, Any]]:
    text = path.read_text()
    try:
        if path.suffix == ".jsonl":
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            records = json.loads(text)
    except ValueError as exc:
        raise CliError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise CliError(f"{path}: expected a list of {{external_id, value}} records")
    return records


def run(args: argparse.Namespace) -> int:
    from attune_provider.cli import environment

    environment.prepare(args.airflow_home)
    from attune_provider.store.data_cache import CacheError, CacheNamespace, DataCache

    try:
        ns = CacheNamespace(args.owner_type, args.owner_ref, args.namespace)
        cache = DataCache.from_settings()
        if args.action == "publish":
            if not args.file:
                raise CliError("cache publish needs a FILE of records")
            generation = cache.publish_generation(
                ns, _records(Path(args.file)), freshness_target_seconds=args.freshness_target
            )
            print(json.dumps({"namespace": str(ns), "generation": generation, "active": True}))
            return 0
        generation = cache.resolve_generation(ns, args.generation)
        print(json.dumps({"generation": generation, "entries": cache.entries(ns, generation)}, indent=2))
        return 0
    except CacheError as exc:
        raise CliError(str(exc)) from None
