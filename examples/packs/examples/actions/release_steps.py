"""The steps of a local release, one action each (``step`` parameter); real files under ``root``.

Layout: ``<root>/artifacts/<app>-<version>.tar`` (build), ``<root>/releases/<version>/``
(package), ``<root>/regions/<region>/current`` (deploy), ``<root>/attempts/<key>`` (retry
bookkeeping), ``<root>/rolled_back`` (rollback).
"""

import hashlib
import json
import re
import sys
import tarfile
import time
from pathlib import Path

params = json.load(sys.stdin)
step = params["step"]
root = Path(params["root"])
app, version = params.get("app", "app"), params.get("version", "")


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(1)


def done(**data: object) -> None:
    json.dump({"step": step, **data}, sys.stdout)
    sys.exit(0)


if step == "validate":
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        fail(f"version {version!r} is not MAJOR.MINOR.PATCH")
    done(app=app, version=version)

if step == "build":
    source = root / "src" / app
    source.mkdir(parents=True, exist_ok=True)
    (source / "VERSION").write_text(version + "\n")
    (source / "app.py").write_text(f"print('{app} {version}')\n")
    artifact = root / "artifacts" / f"{app}-{version}.tar"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(artifact, "w") as tar:
        tar.add(source, arcname=app)
    done(artifact=str(artifact), sha256=hashlib.sha256(artifact.read_bytes()).hexdigest())

if step == "package":
    artifact = Path(params["artifact"])
    if not artifact.is_file():
        fail(f"artifact missing: {artifact}")
    release = root / "releases" / version
    release.mkdir(parents=True, exist_ok=True)
    (release / artifact.name).write_bytes(artifact.read_bytes())
    manifest = {"app": app, "version": version, "artifact": artifact.name, "tests": params.get("tests", "")}
    (release / "manifest.json").write_text(json.dumps(manifest, indent=2))
    done(release=str(release))

if step == "deploy_region":
    region = params["region"]
    # a flaky rollout: the first `fail_first` attempts per region fail, the retry succeeds
    attempts_file = root / "attempts" / f"{params.get('run_key', 'run')}-{region}"
    attempts_file.parent.mkdir(parents=True, exist_ok=True)
    attempt = int(attempts_file.read_text()) + 1 if attempts_file.exists() else 1
    attempts_file.write_text(str(attempt))
    if attempt <= int(params.get("fail_first") or 0):
        fail(f"{region}: load balancer did not drain in time (attempt {attempt})")
    release = root / "releases" / version
    if not (release / "manifest.json").is_file():
        fail(f"release {version} is not packaged")
    target = root / "regions" / region
    target.mkdir(parents=True, exist_ok=True)
    previous = (target / "current").read_text().strip() if (target / "current").exists() else None
    (target / "current").write_text(version + "\n")
    time.sleep(0.05)
    done(region=region, version=version, previous=previous, attempt=attempt)

if step == "smoke_test":
    bad = []
    for region in params["regions"]:
        current = root / "regions" / region / "current"
        if not current.exists() or current.read_text().strip() != version:
            bad.append(region)
    if params.get("break_smoke_test"):
        bad.append("checkout-flow")
    if bad:
        fail(f"smoke test failed for: {', '.join(bad)}")
    done(checked=list(params["regions"]))

if step == "rollback":
    rolled = []
    for region in params["regions"]:
        current = root / "regions" / region / "current"
        if current.exists():
            current.unlink()
            rolled.append(region)
    (root / "rolled_back").write_text(json.dumps({"version": version, "regions": rolled}))
    done(rolled_back=rolled)

fail(f"unknown step {step!r}")
