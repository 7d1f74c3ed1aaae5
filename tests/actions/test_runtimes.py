"""Issue 21 item 1: attune's other runtimes (nodejs, java, native, ...) run when their binary passes
attune's verification command; otherwise ``validate`` reports a located error naming the runner
and the workflow never compiles, so no task starts.

Before the fix every runner but python/shell failed: nodejs, java and native at run time.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import textwrap
from pathlib import Path

import pytest

from attune_provider.actions import ActionRegistry
from attune_provider.actions.runtimes import RUNTIMES, runtime_for, unavailable_reason


def _pack(root: Path, runner: str, entry: str, script: str, *, executable: bool = False) -> Path:
    pack = root / "rt"
    (pack / "actions" / "workflows").mkdir(parents=True)
    (pack / "pack.yaml").write_text('ref: rt\nversion: "1.0.0"\n')
    (pack / "actions" / "act.yaml").write_text(
        f"ref: rt.act\nrunner_type: {runner}\nentry_point: {entry}\noutput_format: json\n"
        "parameters:\n  name: {type: string, default: x}\n"
    )
    path = pack / "actions" / entry
    path.write_text(textwrap.dedent(script))
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    (pack / "actions" / "flow.yaml").write_text(
        "ref: rt.flow\nworkflow_file: workflows/flow.yaml\n"
    )
    (pack / "actions" / "workflows" / "flow.yaml").write_text(
        'version: "1.0.0"\ntasks:\n  - name: call\n    action: rt.act\n'
    )
    return pack


def test_every_catalog_runtime_and_alias_is_known():
    names = {r.name for r in RUNTIMES}
    assert names == {"python", "shell", "node", "java", "native", "go", "perl", "r", "ruby"}
    for alias, name in [("nodejs", "node"), ("node.js", "node"), ("python3", "python"), ("sh", "shell"),
                        ("openjdk", "java"), ("standalone", "native"), ("golang", "go"), ("Rscript", "r")]:  # fmt: skip
        runtime = runtime_for(alias)
        assert runtime is not None and runtime.name == name, alias
    assert runtime_for(None).name == "shell"  # attune's default runner
    assert runtime_for("cobol") is None


def test_native_runs_the_entry_point_itself(tmp_path):
    pack = _pack(
        tmp_path, "native", "hello.sh",
        """\
        #!/bin/sh
        read -r line
        printf '{"got": %s, "argv0": "%s"}\\n' "$line" "$(basename "$0")"
        """,
        executable=True,
    )  # fmt: skip
    result = ActionRegistry(packs=[pack]).resolve("rt.act").run({"name": "n"})
    assert result.succeeded, result.error
    assert result.data == {"got": {"name": "n"}, "argv0": "hello.sh"}


@pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                    reason="node/npm not installed (scripts/setup.d/40-nodejs.sh installs them)")  # fmt: skip
def test_nodejs_pack_gets_node_modules_from_package_json(tmp_path):
    vendor = tmp_path / "vendor" / "greeter"
    vendor.mkdir(parents=True)
    (vendor / "package.json").write_text(json.dumps({"name": "greeter", "version": "1.0.0", "main": "index.js"}))
    (vendor / "index.js").write_text("module.exports = (n) => `hello ${n}`;\n")
    pack = _pack(
        tmp_path, "nodejs", "hello.js",
        """\
        const greet = require("greeter");
        let input = "";
        process.stdin.on("data", (c) => (input += c));
        process.stdin.on("end", () => {
          const p = JSON.parse(input);
          console.log(JSON.stringify({ text: greet(p.name), node_path: process.env.NODE_PATH }));
        });
        """,
    )  # fmt: skip
    (pack / "package.json").write_text(
        json.dumps({"name": "rt", "version": "1.0.0", "dependencies": {"greeter": f"file:{vendor}"}})
    )
    os.environ["AIRFLOW__ATTUNE__PACK_ENV_FOLDER"] = str(tmp_path / "envs")
    try:
        result = ActionRegistry(packs=[pack]).resolve("rt.act").run({"name": "ada"})
    finally:
        del os.environ["AIRFLOW__ATTUNE__PACK_ENV_FOLDER"]
    assert result.succeeded, result.error
    assert result.data["text"] == "hello ada"
    node_path = Path(result.data["node_path"])
    assert node_path.name == "node_modules" and node_path.is_relative_to(tmp_path / "envs" / "rt")


@pytest.mark.skipif(unavailable_reason(runtime_for("java")) is not None, reason="no java on this host")  # type: ignore[arg-type]
def test_java_runs_a_single_file_source(tmp_path):
    pack = _pack(
        tmp_path, "java", "Hello.java",
        """\
        public class Hello {
            public static void main(String[] args) throws Exception {
                String in = new String(System.in.readAllBytes()).trim();
                System.out.println("{\\"got\\": " + in + "}");
            }
        }
        """,
    )  # fmt: skip
    result = ActionRegistry(packs=[pack]).resolve("rt.act").run({"name": "j"}, timeout=120)
    assert result.succeeded, result.error
    assert result.data == {"got": {"name": "j"}}


@pytest.mark.parametrize(("runner", "binary"), [("nodejs", "node"), ("java", "java"), ("ruby", "ruby")])
def test_missing_runtime_is_a_located_validate_error_and_never_compiles(tmp_path, monkeypatch, runner, binary):
    from attune_provider.cli.validate_cmd import validate

    pack = _pack(tmp_path, runner, "script.any", "x\n")
    bin_dir = tmp_path / "bin"  # a PATH without the runtime's binary
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    report = validate([str(pack)])
    assert "rt.flow" in report.workflows and report.compiled == []  # no DAG: no task can start
    runner_errors = [f for f in report.errors if f"runner_type '{runner}'" in f.message]
    located = [f for f in runner_errors if f.file.endswith("act.yaml") and (f.line, f.column) == (2, 14)]
    assert located, [str(f) for f in report.errors]
    assert f"{binary} not found on PATH" in located[0].message
    compile_errors = [f for f in runner_errors if f.file.endswith("flow.yaml")]
    assert compile_errors and "act.yaml:2:14" in compile_errors[0].message, [str(f) for f in report.errors]
