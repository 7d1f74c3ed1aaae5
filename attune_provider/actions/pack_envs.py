"""Per-pack dependency environments, built as attune builds them, once per identity.

attune (``crates/common/src/platform_catalog/runtimes/python.yaml``, ``nodejs.yaml``) gives a
pack a virtualenv made with ``python3 -m venv --copies`` and filled with ``pip install -r
requirements.txt``, or a ``node_modules`` made with ``npm install --prefix <env>`` from
``package.json``. Here an environment is keyed by its identity -- pack ref, runtime, the
manifest's sha256, the interpreter's version and path -- and kept under ``[attune]
pack_env_folder`` as ``<pack_ref>/<runtime>-<version>-<key>``.

* **once**: the builder holds an exclusive ``fcntl`` lock on ``<name>.lock``; every other
  process (another task, another worker on the same host) waits on it and then finds the
  environment ready.
* **never half**: the environment is built in a private sibling folder at its final absolute
  path, then published by atomically replacing the symbolic link ``<name>`` with one pointing
  at it. A crashed build leaves only an unpublished folder, removed by the next builder.
* **fails fast**: a failed install is recorded in ``<name>.failed`` (the full message); until
  the manifest changes (a new identity) or ``attune-airflow packs install`` retries, every task
  fails at once with that message instead of running pip again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: seconds a pip or npm install may take
INSTALL_TIMEOUT = 1800.0
#: lines of the installer's output kept in an error message
MESSAGE_LINES = 25


class PackEnvironmentError(RuntimeError):
    """A pack's environment could not be built; the message names pack, manifest, requirement."""


@dataclass(frozen=True)
class EnvIdentity:
    """What an environment depends on; a change of any field means another environment."""

    pack_ref: str
    runtime: str  # "python" or "node"
    manifest_sha256: str
    version: str  # the interpreter's full version, e.g. "3.11.7" or "v20.20.2"
    interpreter: str  # its real path

    @property
    def key(self) -> str:
        text = json.dumps([self.pack_ref, self.runtime, self.manifest_sha256, self.version, self.interpreter])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def name(self) -> str:
        short = ".".join(self.version.lstrip("v").split(".")[:2])
        return f"{self.runtime}-{short}-{self.key}"


@dataclass(frozen=True)
class PackEnvironment:
    """A ready environment: its folder (the published link) and how it was obtained."""

    identity: EnvIdentity
    path: Path
    built: bool  # True when this call built it, False when it was already there

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def node_path(self) -> Path:
        return self.path / "node_modules"


def env_folder() -> Path:
    """``[attune] pack_env_folder``."""
    from attune_provider.config import pack_env_folder

    return pack_env_folder()


# -- identities ----------------------------------------------------------------------------
def _sha256(*files: Path) -> str:
    digest = hashlib.sha256()
    for file in files:
        if file.is_file():
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def python_version(interpreter: str) -> str:
    if os.path.realpath(interpreter) == os.path.realpath(sys.executable):
        return platform.python_version()
    done = subprocess.run(
        [interpreter, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise PackEnvironmentError(f"python interpreter {interpreter!r} does not run: {done.stderr.strip()}")
    return done.stdout.strip()


def python_identity(pack_ref: str, pack_root: Path, interpreter: str) -> EnvIdentity | None:
    """The identity of the pack's Python environment, or None when it has no requirements.txt."""
    manifest = pack_root / "requirements.txt"
    if not manifest.is_file():
        return None
    real = os.path.realpath(shutil.which(interpreter) or interpreter)
    return EnvIdentity(pack_ref, "python", _sha256(manifest), python_version(interpreter), real)


def node_identity(pack_ref: str, pack_root: Path) -> EnvIdentity | None:
    """The identity of the pack's node_modules, or None when it has no package.json."""
    manifest = pack_root / "package.json"
    if not manifest.is_file():
        return None
    node = shutil.which("node")
    if node is None:
        raise PackEnvironmentError(f"pack '{pack_ref}' has a package.json but `node` is not on PATH")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
    digest = _sha256(manifest, pack_root / "package-lock.json")
    return EnvIdentity(pack_ref, "node", digest, version.stdout.strip(), os.path.realpath(node))


# -- the build protocol ---------------------------------------------------------------------
@contextlib.contextmanager
def _locked(path: Path, what: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("attune: waiting for another process building %s (lock %s)", what, path)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ready(link: Path) -> bool:
    return link.is_symlink() and (link / "identity.json").is_file()


def ensure_environment(
    identity: EnvIdentity, pack_root: Path, *, root: Path | None = None, retry_failed: bool = False
) -> PackEnvironment:
    """The environment of ``identity``, built now under the lock when no process built it yet.

    Raises :class:`PackEnvironmentError` when the install fails, or failed before for this
    identity (unless ``retry_failed``).
    """
    base = (root or env_folder()) / identity.pack_ref
    link = base / identity.name
    failed = base / f"{identity.name}.failed"
    if _ready(link):
        return PackEnvironment(identity, link, built=False)
    if failed.is_file() and not retry_failed:
        raise PackEnvironmentError(_failure_text(failed))
    with _locked(base / f"{identity.name}.lock", f"the {identity.runtime} environment of pack '{identity.pack_ref}'"):
        if _ready(link):
            return PackEnvironment(identity, link, built=False)
        if failed.is_file():
            if not retry_failed:
                raise PackEnvironmentError(_failure_text(failed))
            failed.unlink()
        _remove_unpublished(base, identity.name, keep=link)
        target = base / f".{identity.name}.{secrets.token_hex(4)}"
        started = time.monotonic()
        try:
            _build(identity, pack_root, target)
        except PackEnvironmentError as exc:
            shutil.rmtree(target, ignore_errors=True)
            failed.write_text(json.dumps({"identity": identity.__dict__, "error": str(exc)}, indent=1))
            raise
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        (target / "identity.json").write_text(json.dumps(identity.__dict__, indent=1))
        temp_link = base / f".{identity.name}.link-{secrets.token_hex(4)}"
        temp_link.symlink_to(target.name)  # relative: the tree can be copied as a whole
        os.replace(temp_link, link)  # atomic publish
        log.info(
            "attune: built the %s environment of pack '%s' in %.1f s: %s",
            identity.runtime, identity.pack_ref, time.monotonic() - started, link,
        )  # fmt: skip
        return PackEnvironment(identity, link, built=True)


def _remove_unpublished(base: Path, name: str, keep: Path) -> None:
    """Folders of builds that never published (a crash): only the lock holder gets here."""
    current = os.readlink(keep) if keep.is_symlink() else None
    for stale in base.glob(f".{name}.*"):
        if stale.name != current and not stale.name.endswith(".lock"):
            if stale.is_symlink() or stale.is_file():
                stale.unlink(missing_ok=True)
            else:
                shutil.rmtree(stale, ignore_errors=True)


def _failure_text(failed: Path) -> str:
    try:
        return str(json.loads(failed.read_text())["error"]) + (
            f" (recorded in {failed}; it is not retried until the manifest changes or "
            "`attune-airflow packs install` rebuilds it)"
        )
    except (OSError, ValueError, KeyError):
        return f"an earlier build failed (record {failed} is unreadable)"


def _build(identity: EnvIdentity, pack_root: Path, target: Path) -> None:
    if identity.runtime == "python":
        _build_python(identity, pack_root, target)
    elif identity.runtime == "node":
        _build_node(identity, pack_root, target)
    else:  # pragma: no cover - identities are made by python_identity / node_identity
        raise ValueError(identity.runtime)


def _run(argv: list[str], cwd: Path, what: str, identity: EnvIdentity, manifest: Path) -> None:
    log.info("attune: %s", " ".join(argv))
    try:
        done = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PackEnvironmentError(f"pack '{identity.pack_ref}': {what} failed: {exc}") from exc
    if done.returncode != 0:
        raise PackEnvironmentError(_install_error(identity, manifest, what, done.stdout + done.stderr))


def _build_python(identity: EnvIdentity, pack_root: Path, target: Path) -> None:
    manifest = pack_root / "requirements.txt"
    interpreter = identity.interpreter
    # attune: `python3 -m venv --copies {env_dir}`. pip comes from the running interpreter when it
    # has one (`pip --python`): seconds instead of ensurepip's half minute per environment.
    outer_pip = importlib.util.find_spec("pip") is not None
    venv = [interpreter, "-m", "venv", "--copies", *(["--without-pip"] if outer_pip else []), str(target)]
    _run(venv, pack_root, "creating the virtualenv", identity, manifest)
    if not _manifest_entries(manifest):  # pip refuses an install of nothing
        return
    env_python = str(target / "bin" / "python")
    if outer_pip:
        install = [sys.executable, "-m", "pip", "--python", env_python]
    else:
        install = [env_python, "-m", "pip"]
    install += ["install", "--disable-pip-version-check", "--no-input", "-r", str(manifest)]
    _run(install, pack_root, "pip install -r requirements.txt", identity, manifest)


def _build_node(identity: EnvIdentity, pack_root: Path, target: Path) -> None:
    manifest = pack_root / "package.json"
    npm = shutil.which("npm")
    if npm is None:
        raise PackEnvironmentError(
            f"pack '{identity.pack_ref}': {manifest} needs `npm`, which is not on PATH "
            "(Debian: apt-get install -y nodejs npm)"
        )
    target.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):  # attune: the manifest is copied to env_dir
        if (pack_root / name).is_file():
            shutil.copy2(pack_root / name, target / name)
    install = [npm, "install", "--prefix", str(target), "--no-audit", "--no-fund"]
    _run(install, pack_root, "npm install", identity, manifest)


_REQUIREMENT_PATTERNS = (
    re.compile(r"No matching distribution found for (\S+)"),
    re.compile(r"satisfies the requirement (\S+)"),
    re.compile(r"Invalid requirement: '?([^'\n]+)'?"),
    re.compile(r"404 Not Found - GET \S+/(\S+?) -"),
    re.compile(r"notarget No matching version found for (\S+)"),
)


def _install_error(identity: EnvIdentity, manifest: Path, what: str, output: str) -> str:
    """Pack, manifest, the requirement the installer names (else every requirement), its words."""
    requirement = next((m.group(1) for p in _REQUIREMENT_PATTERNS for m in [p.search(output)] if m), None)
    if requirement is None:
        requirement = ", ".join(_manifest_entries(manifest)) or "(none listed)"
    lines = [line for line in output.splitlines() if line.strip() and "is ignored: it is neither" not in line]
    errors = [line for line in lines if re.match(r"\s*(ERROR|npm (ERR|error))", line)] or lines
    shown = "\n".join(errors[-MESSAGE_LINES:])
    return (
        f"pack '{identity.pack_ref}': {what} failed for requirement {requirement} "
        f"({manifest}):\n{shown}"
    )


def _manifest_entries(manifest: Path) -> list[str]:
    if manifest.name == "package.json":
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return []
        deps = data.get("dependencies") if isinstance(data, dict) else None
        return [f"{k}@{v}" for k, v in deps.items()] if isinstance(deps, dict) else []
    entries = []
    for line in manifest.read_text(errors="replace").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.append(line)
    return entries
