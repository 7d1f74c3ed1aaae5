#!/usr/bin/env python3
"""The per-pack conformance table of docs/conformance.md: `validate` over every public pack.

    ATTUNE_PUBLIC_PACKS=/tmp/packs .venv/bin/python scripts/pack_conformance.py [EXTRA_PACK ...]

Every immediate sub-folder of $ATTUNE_PUBLIC_PACKS that is a pack, then each EXTRA_PACK, is
validated as `attune-airflow validate PACK` does (load, then compile each workflow). Each
finding is sorted into one column:

* unsupported: something attune runs that this provider does not (a trigger, sensor or
  non-timer rule; a runner whose runtime is missing here; a construct the compiler rejects);
* pack breakage: an error attune would hit as well (a missing entry point, an unknown action);
* pack warnings: keys attune ignores too (a misspelt key has no effect in attune either).

Prints a Markdown table, then every unsupported finding with its reason. The pack files are
never copied into the project (docs/conformance.md says where they come from).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

UNSUPPORTED = (
    re.compile(r"runner_type '\w+' cannot run here"),
    re.compile(r"unknown type '"),
    re.compile(r"iterate_cache"),
    re.compile(r"is a template; attune fills it"),
    re.compile(r"no exact Airflow schedule|minute resolution|restricts both day-of-month|uses syntax"),
    re.compile(r"'conditions' on a timer rule"),
)


@dataclass
class PackRow:
    name: str
    path: Path
    actions: int = 0
    workflows: int = 0
    compiled: int = 0
    rules: int = 0
    scheduled: int = 0
    breakage: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    pack_warnings: Counter = field(default_factory=Counter)

    @property
    def status(self) -> str:
        if self.breakage:
            return "pack breakage"
        if self.unsupported:
            return "unsupported features"
        return "clean" if not self.pack_warnings else "clean (warnings)"


def _short(text: str, root: Path) -> str:
    return text.replace(str(root.parent) + "/", "")


def measure(pack: Path) -> PackRow:
    from attune_provider.cli.validate_cmd import validate
    from attune_provider.spec.loader import load_pack

    row = PackRow(pack.name, pack)
    loaded = load_pack(pack)
    row.actions = len(loaded.pack.actions)
    row.rules = len([p for p in (pack / "rules").glob("*.y*ml")]) if (pack / "rules").is_dir() else 0
    row.scheduled = sum(1 for w in loaded.workflows.values() if w.rule_file is not None)
    report = validate([str(pack)])
    row.workflows = len(report.workflows) - row.scheduled
    row.compiled = len(report.compiled)
    for finding in report.findings:
        where = _short(f"{finding.file}:{finding.line}", pack)
        message = finding.message.split("; in Airflow, ")[0]  # the pointer is the same for all
        text = f"{where}: {re.sub(r' [(]looked for [^)]*[)]', '', message)}"
        if finding.severity == "error":
            target = row.unsupported if any(p.search(finding.message) for p in UNSUPPORTED) else row.breakage
            target.append(text)
        elif (finding.code or "").endswith("not-translated"):
            row.unsupported.append(text)
        else:
            label = finding.code or "warning"
            if finding.code == "unknown-key":
                match = re.search(r"key '([^']+)'", finding.message)
                label = f"unknown key `{match.group(1)}`" if match else label
            row.pack_warnings[label] += 1
    return row


def packs_under(folder: Path) -> list[Path]:
    from attune_provider.spec.loader import is_pack_folder

    return sorted(p for p in folder.iterdir() if p.is_dir() and is_pack_folder(p))


def table(rows: list[PackRow]) -> str:
    lines = [
        "| pack | actions | workflows (compiled) | timer rules -> DAGs | pack breakage | unsupported | pack warnings | status |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        warnings = ", ".join(f"{k} x{v}" for k, v in sorted(r.pack_warnings.items())) or "0"
        lines.append(
            f"| {r.name} | {r.actions} | {r.workflows} ({r.compiled}) | {r.scheduled} of {r.rules} | "
            f"{len(r.breakage)} | {len(r.unsupported)} | {warnings} | {r.status} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("extra", nargs="*", help="more pack folders (e.g. attune's packs/core)")
    args = parser.parse_args()
    folder = os.environ.get("ATTUNE_PUBLIC_PACKS")
    packs: list[Path] = packs_under(Path(folder)) if folder else []
    packs += [Path(p) for p in args.extra]
    if not packs:
        print("set ATTUNE_PUBLIC_PACKS to a folder of packs, or name packs", file=sys.stderr)
        return 2
    from attune_provider.cli import environment

    environment.prepare(None)
    rows = [measure(p.resolve()) for p in packs]
    print(table(rows))
    totals = Counter(r.status for r in rows)
    print("\n" + ", ".join(f"{v} {k}" for k, v in sorted(totals.items())) + f" ({len(rows)} packs)")
    for title, attr in (("pack breakage", "breakage"), ("unsupported", "unsupported")):
        found = [(r.name, item) for r in rows for item in getattr(r, attr)]
        if found:
            print(f"\n### {title} ({len(found)})\n")
            for name, item in found:
                print(f"- {name}: {item}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
