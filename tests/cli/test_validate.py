"""`attune-airflow validate`: human and JSON output, exit codes, --strict."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import GREET, run_cli, write

BAD_TARGET = """
ref: clitest.bad_target
version: "1.0.0"
tasks:
  - name: first
    action: core.noop
    next:
      - do: [nowhere]
"""

TYPO = """
ref: clitest.typo
version: "1.0.0"
tasks:
  - name: only
    action: core.noop
    retyr:
      count: 2
"""

UNKNOWN_ACTION = """
ref: clitest.cache
version: "1.0.0"
tasks:
  - name: cached
    action: nowhere.none
"""


def test_valid_file_passes(tmp_path: Path):
    path = write(tmp_path / "greet.yaml", GREET)
    result = run_cli("validate", str(path), "--no-compile")
    assert result.returncode == 0, result.stderr
    assert "OK: 1 workflow(s), 0 error(s), 0 warning(s)" in result.stdout


def test_error_names_file_line_and_column(tmp_path: Path):
    path = write(tmp_path / "bad.yaml", BAD_TARGET)
    result = run_cli("validate", str(path), "--no-compile")
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    # `- do: [nowhere]` is line 7; the unknown target sits at column 13
    assert first.startswith(f"{path}:7:"), first
    assert ": error: " in first and "nowhere" in first
    assert "FAILED: 0 workflow(s), 1 error(s)" in result.stdout
    assert "Traceback" not in result.stderr


def test_warnings_fail_only_with_strict(tmp_path: Path):
    path = write(tmp_path / "typo.yaml", TYPO)
    lenient = run_cli("validate", str(path), "--no-compile")
    assert lenient.returncode == 0
    assert f"{path}:6:5: warning:" in lenient.stdout and "retyr" in lenient.stdout
    assert "did you mean 'retry'" in lenient.stdout
    strict = run_cli("validate", str(path), "--no-compile", "--strict")
    assert strict.returncode == 1
    assert "FAILED" in strict.stdout and "(strict: warnings fail)" in strict.stdout


def test_json_format_for_ci(tmp_path: Path):
    write(tmp_path / "good.yaml", GREET)
    write(tmp_path / "bad.yaml", BAD_TARGET)
    write(tmp_path / "typo.yaml", TYPO)
    result = run_cli("validate", str(tmp_path), "--no-compile", "--format", "json")
    assert result.returncode == 1
    report = result.json()
    assert report["valid"] is False
    assert sorted(report["workflows"]) == [
        "clitest.greet",
        "clitest.typo",
    ]  # the bad one does not hide others
    [error] = report["errors"]
    assert error["file"].endswith("bad.yaml") and error["line"] == 7 and error["column"] > 0
    assert "nowhere" in error["message"]
    [warning] = report["warnings"]
    assert warning["file"].endswith("typo.yaml") and warning["line"] == 6 and warning["code"]


def test_missing_path_is_an_error(tmp_path: Path):
    result = run_cli("validate", str(tmp_path / "absent.yaml"), "--no-compile")
    assert result.returncode == 1
    assert "absent.yaml: error: no such file or folder" in result.stdout


def test_compile_errors_fail_validation(tmp_path: Path):
    """By default every loaded workflow is compiled too: unsupported constructs are caught."""
    write(tmp_path / "good.yaml", GREET)
    write(tmp_path / "cache.yaml", UNKNOWN_ACTION)
    result = run_cli("validate", str(tmp_path), "--format", "json", "--airflow-home", str(tmp_path / "home"))
    assert result.returncode == 1, result.stderr
    report = result.json()
    assert report["compiled"] == ["clitest.greet"]
    [error] = report["errors"]
    assert error["file"].endswith("cache.yaml")
    assert "nowhere.none" in error["message"] and "cached" in error["message"]
    assert error["code"] == "compile-error"


def test_broken_action_metadata_fails_validate_with_locations(tmp_path: Path):
    pack = tmp_path / "p"
    write(pack / "pack.yaml", 'ref: p\nversion: "1.0.0"\n')
    action = write(
        pack / "actions" / "act.yaml",
        """
        ref: p.act
        runner_type: cobol
        entry_point: ../../etc/passwd
        parameters:
          n: {type: integer, default: many}
        """,
    )
    result = run_cli("validate", str(action), "--no-compile")
    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{action}:2:14: error:") and "cobol" in line for line in lines), lines
    assert any(line.startswith(f"{action}:3:14: error:") and "'..'" in line for line in lines), lines
    assert any(line.startswith(f"{action}:5:") and "default" in line for line in lines), lines
    assert "Traceback" not in result.stderr


def test_literal_inputs_for_another_packs_action_are_checked(tmp_path: Path):
    packs = tmp_path / "packs"
    write(packs / "tools" / "pack.yaml", 'ref: tools\nversion: "1.0.0"\n')
    write(
        packs / "tools" / "actions" / "scale.yaml",
        """
        runner_type: shell
        entry_point: scale.sh
        parameters:
          replicas: {type: integer, required: true}
          zone: {type: string, required: true}
        """,
    )
    write(packs / "tools" / "actions" / "scale.sh", "echo scaled\n")
    flow = write(
        tmp_path / "flows" / "scale_up.yaml",
        """
        ref: ops.scale_up
        version: "1.0.0"
        tasks:
          - name: scale
            action: tools.scale
            input:
              replicas: three
        """,
    )
    result = run_cli(
        "validate", str(flow), home=tmp_path / "home", extra_env={"AIRFLOW__ATTUNE__PACKS_FOLDER": str(packs)}
    )
    assert result.returncode == 1, result.stdout
    lines = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(lines) == 2, lines
    assert all(line.startswith(f"{flow}:4:5: error: task 'scale'") for line in lines), lines
    assert "'replicas' is string 'three'" in result.stdout and "'zone' is required" in result.stdout


UNRESOLVED = """
ref: clitest.unresolved
version: "1.0.0"
parameters:
  token: {type: string, secret: true}
vars:
  count: 0
tasks:
  - name: only
    action: core.echo
    input:
      message: "{{ parameters.tokn }} {{ vars.cont }} {{ vars.count }} {{ vars.seen }}"
    next:
      - publish:
          - seen: "{{ parameters.token | length }}"
"""


def test_strict_reports_names_that_resolve_to_no_parameter_or_variable(tmp_path: Path):
    """Issue 22 point 4: `parameters.tokn` when only `token` is declared, `vars.cont` when only
    `count` is in vars (published names count too), each with file and line."""
    path = write(tmp_path / "unresolved.yaml", UNRESOLVED)
    strict = run_cli("validate", str(path), "--no-compile", "--strict")
    assert strict.returncode == 1
    assert f"{path}:11:16: warning:" in strict.stdout  # the message line
    assert "parameters.tokn, which is not a declared parameter; did you mean 'token'?" in strict.stdout
    assert "vars.cont, which is neither in vars nor published by a transition; did you mean 'count'?" in strict.stdout
    assert "vars.count," not in strict.stdout and "vars.seen," not in strict.stdout
