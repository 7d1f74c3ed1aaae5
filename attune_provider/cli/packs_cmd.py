"""``attune-airflow packs install PATH...``: build the packs' dependency environments now.

For Docker images and for workers without a package index: the environments a task would
build on first use (``actions.pack_envs``: a virtualenv from ``requirements.txt``, a
``node_modules`` from ``package.json``) are built ahead of time under ``[attune]
pack_env_folder``, with the same identity, lock and atomic publish, so tasks find them ready.
A failure recorded by an earlier try is retried here (an explicit rebuild).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

from attune_provider.cli import environment
from attune_provider.cli.errors import CliError


def add_parser(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    packs = commands.add_parser("packs", parents=[common], help="manage packs' dependency environments")
    actions = packs.add_subparsers(dest="packs_command", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install",
        parents=[common],
        help="build the packs' environments (requirements.txt, package.json) ahead of time",
        description="Build each pack's virtualenv (from requirements.txt) and node_modules (from "
        "package.json) under [attune] pack_env_folder, as a task would on first use. PATH is a pack "
        "folder or a folder of packs. Exit status 1 when any install failed.",
    )
    install.add_argument("paths", nargs="+", metavar="PATH", help="pack folder or folder of packs")
    install.add_argument(
        "--env-folder", metavar="DIR", help="build under DIR instead of [attune] pack_env_folder"
    )
    install.set_defaults(handler="attune_provider.cli.packs_cmd:run_install")


def pack_ref(folder: Path) -> str:
    """``ref`` of the pack's pack.yaml, else the folder name (attune's rule)."""
    manifest = folder / "pack.yaml"
    if manifest.is_file():
        data = yaml.safe_load(manifest.read_text()) or {}
        if isinstance(data, dict) and isinstance(data.get("ref"), str):
            return data["ref"]
    return folder.name


def run_install(args: argparse.Namespace) -> int:
    environment.prepare(args.airflow_home)
    root = Path(args.env_folder).resolve() if args.env_folder else None  # else [attune] pack_env_folder
    from attune_provider.actions.pack_envs import (
        PackEnvironmentError,
        ensure_environment,
        node_identity,
        python_identity,
    )
    from attune_provider.actions.pack_runner import python_interpreter
    from attune_provider.actions.registry import _pack_folders

    folders: list[Path] = []
    for raw in args.paths:
        path = Path(raw).resolve()
        if not path.is_dir():
            raise CliError(f"{raw}: not a folder", exit_code=2)
        found = _pack_folders(path)
        if not found:  # an empty packs folder (e.g. an image built before packs are added)
            print(f"{raw}: no pack here (a pack is a folder with pack.yaml or actions/)", file=sys.stderr)
        folders.extend(found)
    failures = 0
    for folder in folders:
        ref = pack_ref(folder)
        try:
            identities = [python_identity(ref, folder, python_interpreter()), node_identity(ref, folder)]
        except PackEnvironmentError as exc:
            print(f"{ref}: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        if not any(identities):
            print(f"{ref}: no requirements.txt or package.json; nothing to install ({folder})")
        for identity in filter(None, identities):
            started = time.monotonic()
            try:
                env = ensure_environment(identity, folder, root=root, retry_failed=True)
            except PackEnvironmentError as exc:
                print(f"{ref}: error: {exc}", file=sys.stderr)
                failures += 1
                continue
            how = f"built in {time.monotonic() - started:.1f} s" if env.built else "already built"
            print(f"{ref}: {identity.runtime} environment {how}: {env.path}")
    return 1 if failures else 0
