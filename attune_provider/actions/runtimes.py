"""attune's action runtimes, as its platform catalog defines them, and whether this host has them.

Source: attune-system/attune ``crates/common/src/platform_catalog/runtimes/*.yaml`` (one file
per runtime: aliases, interpreter, verification commands) and
``crates/common/src/runtime_detection.rs::normalize_runtime_name`` (the alias groups). A
``runner_type`` names a runtime through any of its aliases. A runtime is available when one of
its verification commands exits with the expected code and (when a pattern is given) its
stdout+stderr matches the pattern, as ``crates/worker/src/version_verify.rs`` checks them;
``native`` has no command (always available) and ``shell`` always is.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Verification:
    """One ``distributions.verification.commands`` entry."""

    binary: str
    args: tuple[str, ...]
    pattern: str | None = None
    exit_code: int = 0

    @property
    def command(self) -> str:
        return " ".join((self.binary, *self.args))


@dataclass(frozen=True)
class Runtime:
    """One runtime of attune's catalog (``runtimes/<catalog>.yaml``)."""

    name: str  # the canonical name (normalize_runtime_name)
    catalog: str  # the catalog file
    aliases: frozenset[str]
    #: the interpreter and its arguments before the script; empty = run the entry point itself
    interpreter: tuple[str, ...]
    verification: tuple[Verification, ...]
    #: the dependency manifest this provider installs from (python, nodejs), else None
    manifest: str | None = None

    @property
    def source(self) -> str:
        return f"attune crates/common/src/platform_catalog/runtimes/{self.catalog}"


def _v(binary: str, args: tuple[str, ...], pattern: str | None) -> Verification:
    return Verification(binary, args, pattern)


RUNTIMES: tuple[Runtime, ...] = (
    # python and shell run under this provider's own interpreter / bash: always present.
    Runtime("python", "python.yaml", frozenset({"python", "python3"}), ("python3", "-u"), (), "requirements.txt"),
    Runtime("shell", "shell.yaml", frozenset({"shell", "bash", "sh"}), ("bash",), ()),
    Runtime(
        "node", "nodejs.yaml", frozenset({"node", "nodejs", "node.js"}), ("node",),
        (_v("node", ("--version",), r"v\d+\.\d+\.\d+"),), "package.json",
    ),
    Runtime(
        "java", "java.yaml", frozenset({"java", "jdk", "openjdk"}), ("java",),
        (_v("java", ("-version",), r'version "\d+'),),
    ),
    Runtime("native", "native.yaml", frozenset({"native", "builtin", "standalone"}), (), ()),
    Runtime(
        "go", "go.yaml", frozenset({"go", "golang"}), ("go", "run"), (_v("go", ("version",), r"go\d+\."),),
    ),
    Runtime(
        "perl", "perl.yaml", frozenset({"perl", "perl5"}), ("perl",),
        (_v("perl", ("--version",), r"perl.*v\d+\."),),
    ),
    Runtime(
        "r", "r.yaml", frozenset({"r", "rscript"}), ("Rscript", "--vanilla"),
        (_v("Rscript", ("--version",), r"\d+\.\d+\.\d+"),),
    ),
    Runtime(
        "ruby", "ruby.yaml", frozenset({"ruby", "rb"}), ("ruby",), (_v("ruby", ("--version",), r"ruby \d+\."),),
    ),
)  # fmt: skip

_BY_ALIAS = {alias: runtime for runtime in RUNTIMES for alias in runtime.aliases}
ALIASES: tuple[str, ...] = tuple(sorted(_BY_ALIAS))


def runtime_for(runner_type: str | None) -> Runtime | None:
    """The runtime a ``runner_type`` names (case-insensitive; None = attune's shell default)."""
    return _BY_ALIAS.get((runner_type or "shell").strip().lower())


def unavailable_reason(runtime: Runtime) -> str | None:
    """None when the runtime can run here, else why not (each command tried and what it gave).

    Cached per process and PATH: a verification runs once per runtime (validate and the DAG
    processor check every action file).
    """
    if not runtime.verification:
        return None
    return _verify(runtime, os.environ.get("PATH", ""))


@functools.cache
def _verify(runtime: Runtime, path: str) -> str | None:
    tried = []
    for check in runtime.verification:
        binary = shutil.which(check.binary, path=path)
        if binary is None:
            tried.append(f"`{check.command}`: {check.binary} not found on PATH")
            continue
        try:
            done = subprocess.run(
                [binary, *check.args], capture_output=True, text=True, timeout=10, check=False
            )
        except FileNotFoundError:
            tried.append(f"`{check.command}`: {check.binary} not found on PATH")
            continue
        except (OSError, subprocess.TimeoutExpired) as exc:
            tried.append(f"`{check.command}`: {exc}")
            continue
        if done.returncode != check.exit_code:
            tried.append(f"`{check.command}` exited with {done.returncode} (expected {check.exit_code})")
            continue
        if check.pattern and not re.search(check.pattern, done.stdout + done.stderr):
            tried.append(f"`{check.command}` printed no match for {check.pattern!r}")
            continue
        return None
    return "; ".join(tried)
