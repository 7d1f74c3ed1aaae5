"""`attune-airflow run` through real Airflow (dag.test in the CLI process), then `show` and `gc`.

All runs share one AIRFLOW_HOME (``cli_home``) created by the CLI itself with its defaults.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli

pytestmark = pytest.mark.airflow


def _references(home: Path, task_prefix: str = "") -> list[tuple[str, int, dict]]:
    """(task_id, map_index, reference) of every return_value row that holds a store reference."""
    with sqlite3.connect(home / "airflow.db") as db:
        rows = db.execute("select task_id, map_index, value from xcom where key = 'return_value'").fetchall()
    refs = []
    for task_id, map_index, value in rows:
        data = json.loads(value) if isinstance(value, str | bytes) else value
        if isinstance(data, str) and "__attune_ref__" in data:
            data = json.loads(data)
        if isinstance(data, dict) and data.get("__attune_ref__") and task_id.startswith(task_prefix):
            refs.append((task_id, map_index, data))
    return refs


def test_run_succeeds_and_prints_the_result(greet_run, cli_home: Path):
    assert greet_run.returncode == 0, greet_run.stderr[-3000:]
    assert greet_run.json() == {
        "greeted": 4,
        "names": ["ada", "grace", "linus", "alan"],
        "succeeded": True,
    }
    # progress and statistics go to stderr, never mixed into the JSON on stdout
    assert "task instances done" in greet_run.stderr
    assert "mapped instances:    4" in greet_run.stderr
    stats = json.loads((cli_home / "greet-stats.json").read_text())
    assert stats["state"] == "success"
    assert stats["mapped_instances"] == 4
    per_instance = stats["store_bytes_read_per_mapped_instance"]
    assert per_instance["instances"] == 4 and 0 < per_instance["max"] < stats["store_bytes_read_total"]
    # the CLI set up its own embedded defaults under AIRFLOW_HOME
    assert (cli_home / "airflow.db").is_file()
    assert any((cli_home / "attune-store").rglob("objects/*/*"))
    loader = cli_home / "dags" / "attune_cli__clitest_greet.py"
    assert "publish(globals()" in loader.read_text()


def test_an_in_process_run_names_who_triggered_it(greet_run, cli_home: Path):
    """Issue 23: the UI showed ``dag_test`` as the triggering user of every in-process CLI run."""
    import getpass

    assert greet_run.returncode == 0, greet_run.stderr[-3000:]
    with sqlite3.connect(cli_home / "airflow.db") as db:
        rows = db.execute(
            "select triggered_by, triggering_user_name from dag_run where dag_id = 'clitest.greet'"
        ).fetchall()
    assert rows and all(row == ("CLI", getpass.getuser()) for row in rows), rows


def test_failed_run_exits_non_zero(cli_home: Path, workflows, greet_run):
    result = run_cli("run", str(workflows["broken"]), "--no-progress", home=cli_home)
    assert result.returncode == 1, result.stderr[-3000:]
    report = result.json()
    assert report["succeeded"] is False
    assert "explode" in json.dumps(report)
    assert "ended failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_show_reads_a_stored_value_and_slices_it(greet_run, cli_home: Path):
    assert greet_run.returncode == 0
    refs = _references(cli_home)
    assert refs, "no store references in the XCom table"
    _task_id, _map_index, ref = next(r for r in refs if r[1] >= 0)  # a mapped instance's stored result
    whole = run_cli("show", json.dumps(ref), home=cli_home)
    assert whole.returncode == 0, whole.stderr
    value = whole.json()
    assert isinstance(value, dict)
    key = next(iter(value))
    part = run_cli("show", ref["key"], "--key", key, home=cli_home)
    assert part.returncode == 0, part.stderr
    assert part.json() == value[key]
    info = run_cli("show", f"attune://{ref['key']}", "--info", home=cli_home)
    assert info.json()["object_bytes"] > 0 and info.json()["key"] == ref["key"]

    missing = run_cli("show", "0" * 64, home=cli_home)
    assert missing.returncode == 1 and "0" * 64 in missing.stderr and "Traceback" not in missing.stderr
    bad = run_cli("show", "../../etc/passwd", home=cli_home)
    assert bad.returncode == 2 and "not a store reference" in bad.stderr


def test_show_index_and_slice_of_a_list(cli_home: Path, greet_run):
    from attune_provider.store.result_store import ResultStore

    url = (cli_home / "attune-store").as_uri()
    store = ResultStore(url)
    key = store.put([{"n": i, "name": f"item-{i}"} for i in range(40)])
    env = {"AIRFLOW__ATTUNE__STORE_URL": url}  # the store named by the environment, as deployments do
    one = run_cli("show", key, "--index", "7", "--key", "name", home=cli_home, extra_env=env)
    assert one.returncode == 0, one.stderr
    assert one.json() == "item-7"
    window = run_cli("show", key, "--index", "10:13", home=cli_home, extra_env=env)
    assert [item["n"] for item in window.json()] == [10, 11, 12]


def test_gc_dry_run_lists_garbage_and_keeps_it(cli_home: Path, greet_run):
    from attune_provider.store.result_store import ResultStore

    assert greet_run.returncode == 0
    store = ResultStore((cli_home / "attune-store").as_uri())
    orphan = store.put({"orphan": "nobody references this", "n": 12345})
    written = time.time() - 2000  # older than gc's 900 s floor, younger than the default grace
    os.utime(store.object_path(orphan), (written, written))
    referenced = {ref["key"] for _, _, ref in _references(cli_home)}
    assert orphan not in referenced

    dry = run_cli("gc", "--dry-run", "--grace", "0", "--format", "json", home=cli_home)
    assert dry.returncode == 0, dry.stderr
    report = dry.json()
    assert report["dry_run"] is True
    assert orphan in report["deleted"]
    assert not referenced & set(report["deleted"])
    assert store.exists(orphan)

    text = run_cli("gc", "--dry-run", home=cli_home)  # default grace: a fresh orphan is kept
    assert "would delete:" in text.stdout and "dry run: nothing was deleted" in text.stdout
    assert orphan not in text.stdout

    real = run_cli("gc", "--grace", "0", "--format", "json", home=cli_home)
    assert orphan in real.json()["deleted"]
    assert not store.exists(orphan)
    assert all(store.exists(key) for key in referenced)
