"""Issue 21 item 1: per-pack environments built as attune builds them (requirements.txt -> a
virtualenv, <pack>/lib on PYTHONPATH), once per identity under a file lock, published
atomically, and a failed install that fails fast with pack, requirement and pip's message.

The reqpack environment (one tiny wheel, ``roman``) is built once per test session under
``$AIRFLOW_HOME/attune-runtime-envs`` (the default ``[attune] pack_env_folder``) and reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from attune_provider.actions import ActionRegistry
from attune_provider.actions import pack_envs as pack_envs_module
from attune_provider.actions.pack_envs import (
    PackEnvironmentError,
    ensure_environment,
    env_folder,
    python_identity,
)

#: the small requirements pack (kept apart from tests/actions/packs, the shared registry's folder)
REQPACK = Path(__file__).resolve().parent / "envpacks" / "reqpack"


@pytest.fixture(scope="module")
def registry():
    return ActionRegistry(packs=[REQPACK], pack_entry_point_group=None)


def _write_pack(root: Path, ref: str, requirements: str | None, script: str) -> Path:
    pack = root / ref
    (pack / "actions").mkdir(parents=True)
    (pack / "lib").mkdir()
    (pack / "pack.yaml").write_text(f'ref: {ref}\nversion: "1.0.0"\n')
    (pack / "actions" / "go.yaml").write_text(
        f"ref: {ref}.go\nrunner_type: python\nentry_point: go.py\noutput_format: json\n"
    )
    (pack / "actions" / "go.py").write_text(textwrap.dedent(script))
    if requirements is not None:
        (pack / "requirements.txt").write_text(requirements)
    return pack


def test_requirements_pack_runs_in_its_own_virtualenv_with_lib_on_the_path(registry):
    """Failed before the fix with ``ModuleNotFoundError: No module named 'reqpack_numerals'``."""
    action = registry.resolve("reqpack.numeral")
    result = action.run({"number": 14})
    assert result.succeeded, result.error
    data = result.data
    assert data["numeral"] == "XIV"
    envs = env_folder().resolve()
    assert Path(data["roman_file"]).resolve().is_relative_to(envs), data  # from the pack's env
    assert Path(data["prefix"]).resolve().is_relative_to(envs), data
    assert data["pythonpath"].split(":")[0] == str(REQPACK.resolve() / "lib")  # prepended, as attune
    with pytest.raises(ModuleNotFoundError):  # the provider's own interpreter does not have it
        __import__("roman")


def test_environment_layout_and_identity(registry):
    registry.resolve("reqpack.numeral").run({"number": 1})  # built (or reused) for this session
    identity = python_identity("reqpack", REQPACK, sys.executable)
    assert identity is not None
    link = env_folder() / "reqpack" / identity.name
    assert link.is_symlink() and not os.readlink(link).startswith("/")  # relative: copyable
    assert identity.name.startswith("python-3.") and identity.key in identity.name
    recorded = json.loads((link / "identity.json").read_text())
    assert recorded["manifest_sha256"] == identity.manifest_sha256
    again = ensure_environment(identity, REQPACK)
    assert again.built is False and again.path == link


def test_pack_without_requirements_runs_with_lib_on_the_path(tmp_path):
    """Failed before the fix: ``lib/`` was not importable."""
    pack = _write_pack(
        tmp_path,
        "plainlib",
        None,
        """\
        import json, sys
        import plain_helpers
        print(json.dumps({"value": plain_helpers.VALUE, "python": sys.executable}))
        """,
    )
    (pack / "lib" / "plain_helpers.py").write_text("VALUE = 42\n")
    result = ActionRegistry(packs=[pack]).resolve("plainlib.go").run({})
    assert result.succeeded, result.error
    assert result.data == {"value": 42, "python": sys.executable}  # no environment: Airflow's interpreter
    assert not (env_folder() / "plainlib").exists()


# loads pack_envs.py alone (it needs only the standard library when given its root), so the
# processes are up within the start delay even on a loaded machine
RACE_SCRIPT = """
import importlib.util, json, sys, time
from pathlib import Path
spec = importlib.util.spec_from_file_location("pack_envs", sys.argv[4])
pack_envs = sys.modules["pack_envs"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pack_envs)
ensure_environment, python_identity = pack_envs.ensure_environment, pack_envs.python_identity
pack, root, start = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
identity = python_identity("racer", pack, sys.executable)
while time.time() < start:
    time.sleep(0.005)
env = ensure_environment(identity, pack, root=root)
print(json.dumps({"built": env.built, "path": str(env.path), "real": str(env.path.resolve())}))
"""


def test_racing_processes_build_one_environment_and_all_use_it(tmp_path):
    # no requirement lines: the build is the venv itself, what the processes race for
    pack = _write_pack(tmp_path, "racer", "# nothing to install\n", "print('{}')\n")
    root = tmp_path / "envs"
    start = time.time() + 1.5  # every process is up and waiting by then
    module = Path(pack_envs_module.__file__)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE_SCRIPT, str(pack), str(root), str(start), str(module)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out))
    assert sum(o["built"] for o in outputs) == 1, outputs
    assert len({o["real"] for o in outputs}) == 1, outputs
    built = [p for p in (root / "racer").iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(built) == 1, built  # one build, no leftovers
    assert Path(outputs[0]["path"], "bin", "python").exists()


def test_a_crashed_build_is_never_used_and_is_cleaned_up(tmp_path):
    pack = _write_pack(tmp_path, "crashy", "# nothing\n", "print('{}')\n")
    root = tmp_path / "envs"
    identity = python_identity("crashy", pack, sys.executable)
    assert identity is not None
    # what a build killed half-way leaves: its private folder, never published
    half = root / "crashy" / f".{identity.name}.dead0001"
    (half / "bin").mkdir(parents=True)
    (half / "bin" / "python").write_text("not an interpreter")
    env = ensure_environment(identity, pack, root=root)
    assert env.built is True
    assert not half.exists()
    assert env.path.resolve() != half
    done = subprocess.run([str(env.python), "-c", "print('ok')"], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_failed_install_is_a_clear_non_retried_error(tmp_path):
    from airflow.sdk.exceptions import AirflowFailException

    missing = "attune-airflow-no-such-distribution-3b7f==1.0"
    pack = _write_pack(tmp_path, "brokenreq", f"{missing}\n", "print('{}')\n")
    root = tmp_path / "envs"
    identity = python_identity("brokenreq", pack, sys.executable)
    assert identity is not None
    with pytest.raises(PackEnvironmentError) as first:
        ensure_environment(identity, pack, root=root)
    message = str(first.value)
    assert "pack 'brokenreq'" in message
    assert "attune-airflow-no-such-distribution-3b7f" in message  # the requirement
    assert "No matching distribution" in message  # pip's own words
    # the next try fails at once with the same message, without running pip again
    started = time.monotonic()
    with pytest.raises(PackEnvironmentError) as second:
        ensure_environment(identity, pack, root=root)
    assert time.monotonic() - started < 1.0
    assert message in str(second.value) and "not retried" in str(second.value)
    # inside a task: Airflow's non-retrying failure, naming the action
    os.environ["AIRFLOW__ATTUNE__PACK_ENV_FOLDER"] = str(root)
    try:
        with pytest.raises(AirflowFailException, match=r"(?s)action 'brokenreq.go'.*No matching distribution"):
            ActionRegistry(packs=[pack]).resolve("brokenreq.go").run({})
    finally:
        del os.environ["AIRFLOW__ATTUNE__PACK_ENV_FOLDER"]
    # a changed manifest is another identity: tried afresh
    (pack / "requirements.txt").write_text("# fixed\n")
    fixed = python_identity("brokenreq", pack, sys.executable)
    assert fixed is not None and fixed.name != identity.name
    assert ensure_environment(fixed, pack, root=root).built is True

