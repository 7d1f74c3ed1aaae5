"""The DAG loader: one DAG per workflow, broken files visible but never hiding good ones,
content-hash caching, and workers building only their DAG."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from attune_provider.dag_loading import (
    ERROR_TAG,
    SourceUnit,
    SpecCache,
    build_dags,
    discover_units,
    error_dag_id,
)
from attune_provider.dag_loading.cache import dumps

REPO = Path(__file__).resolve().parents[2]
LOADER_FILE = REPO / "dags" / "attune_dags.py"


def workflow(ref: str, *, action: str = "core.echo", extra: str = "") -> str:
    return textwrap.dedent(
        f"""\
        ref: {ref}
        label: "{ref}"
        version: "1.0"
        parameters:
          who: {{type: string, default: world}}
        tasks:
          - name: hello
            action: {action}
            input:
              message: "hello {{{{ parameters.who }}}}"
            next:
              - when: "{{{{ succeeded() }}}}"
                do: [bye]
          - name: bye
            action: core.noop
        {extra}"""
    )


BROKEN_YAML = """\
ref: demo.broken
tasks:
  - name: a
    action: core.echo
   input: {message: mis-indented}
  - name: b
    action: core.noop
"""

BAD_TRANSITION = """\
ref: demo.bad_target
version: "1.0"
tasks:
  - name: a
    action: core.echo
    next:
      - do: [nowhere]
"""


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """A workflows folder (2 good, 3 broken in different ways) and a DAG folder with the loader."""
    workflows = tmp_path / "attune"
    workflows.mkdir()
    (workflows / "good_one.yaml").write_text(workflow("demo.good_one"))
    (workflows / "team").mkdir()
    (workflows / "team" / "good_two.yaml").write_text(workflow("demo.good_two"))
    (workflows / "broken.yaml").write_text(BROKEN_YAML)
    (workflows / "bad_target.yaml").write_text(BAD_TRANSITION)
    (workflows / "unknown_action.yaml").write_text(workflow("demo.unknown_action", action="nopack.nothing"))
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(LOADER_FILE, dags / "attune_dags.py")
    return {"workflows": workflows, "dags": dags, "cache": tmp_path / "home" / "attune-cache"}


@pytest.fixture
def configured(folders, monkeypatch):
    """Point ``[attune] workflows_folder`` and AIRFLOW_HOME (the cache) at the temp folders."""
    monkeypatch.setenv("AIRFLOW__ATTUNE__WORKFLOWS_FOLDER", str(folders["workflows"]))
    monkeypatch.setenv("AIRFLOW__ATTUNE__PACKS_FOLDER", "")
    monkeypatch.setenv("AIRFLOW_HOME", str(folders["cache"].parent))
    monkeypatch.delenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", raising=False)
    return folders


def dagbag(folder: Path, **kwargs):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(folder), safe_mode=True, **kwargs)


# --------------------------------------------------------------------------- import errors


def test_broken_workflows_never_hide_the_good_ones(configured):
    bag = dagbag(configured["dags"])
    good = {"demo.good_one", "demo.good_two"}
    assert good <= set(bag.dags)
    wf = configured["workflows"]
    # one import error per broken YAML file, keyed by that file, with file:line in the text
    assert set(bag.import_errors) == {
        str(wf / "broken.yaml"),
        str(wf / "bad_target.yaml"),
        str(wf / "unknown_action.yaml"),
    }
    assert f"{wf / 'broken.yaml'}:5:4: error: invalid YAML" in bag.import_errors[str(wf / "broken.yaml")]
    bad_target = bag.import_errors[str(wf / "bad_target.yaml")]
    assert f"{wf / 'bad_target.yaml'}:7:" in bad_target and "nowhere" in bad_target
    unknown = bag.import_errors[str(wf / "unknown_action.yaml")]
    assert f"{wf / 'unknown_action.yaml'}:" in unknown and "nopack.nothing" in unknown
    # the loader file itself has no import error (that would mark the good DAGs stale)
    assert str(configured["dags"] / "attune_dags.py") not in bag.import_errors


def test_each_broken_file_also_gets_a_failing_placeholder_dag(configured):
    bag = dagbag(configured["dags"])
    wf = configured["workflows"]
    error_id = error_dag_id(wf / "broken.yaml", wf)
    assert error_id == "attune_load_error.broken.yaml"
    placeholder = bag.dags[error_id]
    assert ERROR_TAG in placeholder.tags
    assert "| 5 |" in placeholder.doc_md and str(wf / "broken.yaml") in placeholder.doc_md
    (task,) = placeholder.tasks
    from airflow.sdk.exceptions import AirflowFailException

    with pytest.raises(AirflowFailException, match=r"broken\.yaml:5:"):
        task.python_callable(*task.op_args)
    assert len([d for d in bag.dags if d.startswith("attune_load_error.")]) == 3


def test_placeholders_can_be_switched_off(folders):
    report = build_dags({}, folders=[folders["workflows"]], error_dags=False, cache=SpecCache(None))
    assert set(report.dags) == {"demo.good_one", "demo.good_two"}
    assert len(report.problems) == 3


def test_import_errors_reach_the_metadata_db_and_the_cli(configured, airflow_db):
    """What the UI and ``airflow dags list-import-errors`` read: ParseImportError rows."""
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.models.errors import ParseImportError
    from airflow.utils.session import create_session
    from sqlalchemy import select

    dags = configured["dags"]
    bag = BundleDagBag(dag_folder=str(dags), bundle_path=dags, bundle_name="attune-test-bundle")
    with create_session() as session:
        if session.get(DagBundleModel, "attune-test-bundle") is None:
            session.add(DagBundleModel(name="attune-test-bundle"))
            session.commit()
        sync_bag_to_db(bag, "attune-test-bundle", None, session=session)
    with create_session() as session:
        rows = {
            row.filename: row.stacktrace
            for row in session.scalars(
                select(ParseImportError).where(ParseImportError.bundle_name == "attune-test-bundle")
            )
        }
        good = session.scalars(select(DagModel).where(DagModel.dag_id == "demo.good_one")).one()
        assert not good.is_stale and not good.has_import_errors
    broken = str(configured["workflows"] / "broken.yaml")
    assert broken in rows and f"{broken}:5:" in rows[broken]

    env = {**os.environ, "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR"}
    airflow = Path(sys.executable).with_name("airflow")
    out = subprocess.run(
        [str(airflow), "dags", "list-import-errors", "-o", "json"],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr[-2000:]  # the command exits 1 when it lists errors
    listed = json.loads(out.stdout[out.stdout.index("[") :])
    assert any(item["filepath"] == broken and f"{broken}:5:" in item["error"] for item in listed)


def test_unknown_keys_become_python_warnings_with_file_and_line(folders):
    wf = folders["workflows"]
    (wf / "typo.yaml").write_text(
        workflow("demo.typo").replace(
            "    action: core.noop", "    action: core.noop\n    with-item: x\n    retrys: 2"
        )
    )
    with pytest.warns(UserWarning, match="with-item") as caught:
        report = build_dags({}, folders=[wf], cache=SpecCache(None))
    assert "demo.typo" in report.dags
    typo = [w for w in report.warnings if w.location.file == str(wf / "typo.yaml")]
    assert typo and all(w.location.line > 0 for w in typo)
    # emitted at the YAML location, so DagBag.captured_warnings / the processor log show file:line
    assert {(w.filename, w.lineno) for w in caught if "with-item" in str(w.message)} == {
        (str(wf / "typo.yaml"), next(t.location.line for t in typo if "with-item" in t.message))
    }


def test_duplicate_refs_keep_the_first_and_report_the_second(tmp_path):
    (tmp_path / "a.yaml").write_text(workflow("demo.same"))
    (tmp_path / "b.yaml").write_text(workflow("demo.same"))
    report = build_dags({}, folders=[tmp_path], cache=SpecCache(tmp_path / "cache"))
    assert "demo.same" in report.dags
    assert SpecCache(tmp_path / "cache").read_index()["demo.same"] == str(tmp_path / "a.yaml")
    (problem,) = report.problems[str(tmp_path / "b.yaml")]
    assert "demo.same" in problem.message and str(tmp_path / "a.yaml") in problem.message


def test_dags_land_in_the_namespace_under_module_safe_names(tmp_path):
    (tmp_path / "a.yaml").write_text(workflow("demo.dotted-name"))
    namespace: dict = {}
    build_dags(namespace, folders=[tmp_path], cache=SpecCache(None))
    assert namespace["dag__demo_dotted_name"].dag_id == "demo.dotted-name"


# --------------------------------------------------------------------------- caching


def test_disk_cache_serves_a_fresh_cache_instance_and_invalidates_on_change(tmp_path):
    source = tmp_path / "wf"
    source.mkdir()
    file = source / "a.yaml"
    file.write_text(workflow("demo.cached"))
    unit = SourceUnit("file", file, source)
    first = SpecCache(tmp_path / "cache")
    loaded = first.load(unit)
    assert (first.hits, first.misses) == (0, 1)

    second = SpecCache(tmp_path / "cache")  # a new process would start like this
    again = second.load(unit)
    assert (second.hits, second.misses) == (1, 0)
    assert again.workflows == loaded.workflows
    assert again.workflows[0].task("hello").input["message"] == "hello {{ parameters.who }}"

    file.write_text(workflow("demo.cached").replace("hello {{", "goodbye {{"))
    third = SpecCache(tmp_path / "cache")
    changed = third.load(unit)
    assert (third.hits, third.misses) == (0, 1)
    assert changed.workflows[0].task("hello").input["message"] == "goodbye {{ parameters.who }}"


def test_in_process_memo_skips_rehashing_unchanged_files(tmp_path, monkeypatch):
    file = tmp_path / "a.yaml"
    file.write_text(workflow("demo.memo"))
    cache = SpecCache(None)
    unit = SourceUnit("file", file, tmp_path)
    cache.load(unit)
    reads = []
    real_open = open

    def counting_open(name, *args, **kwargs):
        reads.append(str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    cache.load(unit)
    assert str(file) not in reads and cache.hits == 1


def test_corrupt_cache_entry_is_a_miss_not_a_failure(tmp_path):
    file = tmp_path / "a.yaml"
    file.write_text(workflow("demo.corrupt"))
    unit = SourceUnit("file", file, tmp_path)
    SpecCache(tmp_path / "cache").load(unit)
    for entry in (tmp_path / "cache" / "specs").rglob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    fresh = SpecCache(tmp_path / "cache")
    assert fresh.load(unit).workflows[0].ref == "demo.corrupt"
    assert fresh.misses == 1


def test_cached_model_round_trips_read_only_mappings(tmp_path):
    from types import MappingProxyType

    value = {"a": MappingProxyType({"b": (1, 2)})}
    restored = pickle.loads(dumps(value))
    assert isinstance(restored["a"], MappingProxyType) and restored["a"]["b"] == (1, 2)


def test_a_fresh_process_reads_the_cache_written_by_this_one(tmp_path):
    file = tmp_path / "a.yaml"
    file.write_text(workflow("demo.process"))
    writer = SpecCache(tmp_path / "cache")
    writer.load(SourceUnit("file", file, tmp_path))
    assert writer.misses == 1
    code = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from attune_provider.dag_loading import SourceUnit, SpecCache
        cache = SpecCache(Path(sys.argv[2]))
        loaded = cache.load(SourceUnit("file", Path(sys.argv[1]), Path(sys.argv[1]).parent))
        print(cache.hits, cache.misses, loaded.workflows[0].ref)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(file), str(tmp_path / "cache")],
        capture_output=True, text=True, timeout=180, check=True,
    )  # fmt: skip
    assert out.stdout.split() == ["1", "0", "demo.process"]


# --------------------------------------------------------------------------- workers


def test_worker_builds_only_its_dag_from_the_indexed_unit(folders):
    cache_dir = folders["cache"]
    full = build_dags({}, folders=[folders["workflows"]], cache=SpecCache(cache_dir), only_dag_id=None)
    assert {"demo.good_one", "demo.good_two"} <= set(full.dags)
    index = SpecCache(cache_dir).read_index()
    assert index["demo.good_two"] == str(folders["workflows"] / "team" / "good_two.yaml")

    worker = build_dags(
        {}, folders=[folders["workflows"]], cache=SpecCache(cache_dir), only_dag_id="demo.good_two"
    )
    assert set(worker.dags) == {"demo.good_two"}
    assert worker.units == 1 and worker.cache_hits == 1  # one unit, straight from the cache
    assert [t.task_id for t in worker.dags["demo.good_two"].tasks] == [
        t.task_id for t in full.dags["demo.good_two"].tasks
    ]


def test_worker_without_index_entry_falls_back_to_a_full_load(folders):
    (folders["workflows"] / "new.yaml").write_text(workflow("demo.new"))
    cache = SpecCache(folders["cache"])
    report = build_dags({}, folders=[folders["workflows"]], cache=cache, only_dag_id="demo.new")
    assert set(report.dags) == {"demo.new"}
    assert report.units == len(discover_units([folders["workflows"]]))


def test_worker_builds_a_placeholder_dag_on_request(folders):
    error_id = error_dag_id(folders["workflows"] / "broken.yaml", folders["workflows"])
    build_dags({}, folders=[folders["workflows"]], cache=SpecCache(folders["cache"]), only_dag_id=None)
    report = build_dags(
        {}, folders=[folders["workflows"]], cache=SpecCache(folders["cache"]), only_dag_id=error_id
    )
    assert set(report.dags) == {error_id} and report.units == 1


def test_parsing_context_limits_a_dagbag_to_one_dag(configured, monkeypatch):
    dagbag(configured["dags"])  # the DAG processor's full parse writes the index
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "demo.good_one")
    bag = dagbag(configured["dags"])
    assert set(bag.dags) == {"demo.good_one"}
    assert bag.import_errors == {}  # the broken files were not even read


# --------------------------------------------------------------------------- discovery


def test_discovery_treats_packs_as_units_and_skips_hidden_folders(tmp_path):
    pack = tmp_path / "packs" / "mypack"
    (pack / "actions" / "workflows").mkdir(parents=True)
    (pack / "pack.yaml").write_text("ref: mypack\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("a: 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "flow.yml").write_text(workflow("demo.flow"))
    units = discover_units([tmp_path])
    assert [(u.kind, u.path) for u in units] == [("file", tmp_path / "flow.yml"), ("pack", pack)]
    assert units[1].files() == [pack / "pack.yaml"]


def test_missing_configured_folders_yield_no_dags(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW__ATTUNE__WORKFLOWS_FOLDER", str(tmp_path / "absent"))
    monkeypatch.setenv("AIRFLOW__ATTUNE__PACKS_FOLDER", "")
    report = build_dags({}, cache=SpecCache(None), only_dag_id=None)
    assert report.dags == {} and report.problems == {}


def test_worker_resolves_actions_of_packs_in_other_units(tmp_path):
    pack = tmp_path / "wf" / "packs" / "mypack"
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text("ref: mypack\nversion: '1.0'\n")
    (pack / "actions" / "hello.yaml").write_text(
        "ref: mypack.hello\nrunner_type: python\nentry_point: hello.py\noutput_format: json\n"
    )
    (pack / "actions" / "hello.py").write_text("print('{}')\n")
    (tmp_path / "wf" / "flow.yaml").write_text(workflow("demo.uses_pack", action="mypack.hello"))
    folders, cache_dir = [tmp_path / "wf"], tmp_path / "cache"
    full = build_dags({}, folders=folders, cache=SpecCache(cache_dir), only_dag_id=None)
    assert "demo.uses_pack" in full.dags and not full.problems
    worker = build_dags({}, folders=folders, cache=SpecCache(cache_dir), only_dag_id="demo.uses_pack")
    assert set(worker.dags) == {"demo.uses_pack"}
    # same operators as in the DAG processor's build
    assert [t.task_id for t in worker.dags["demo.uses_pack"].tasks] == [
        t.task_id for t in full.dags["demo.uses_pack"].tasks
    ]


def test_prune_drops_entries_unused_for_a_week_and_keeps_recent_ones(tmp_path):
    for name in ("old", "fresh"):
        (tmp_path / f"{name}.yaml").write_text(workflow(f"demo.{name}"))
    cache = SpecCache(tmp_path / "cache")
    cache.load(SourceUnit("file", tmp_path / "old.yaml", tmp_path))
    cache.load(SourceUnit("file", tmp_path / "fresh.yaml", tmp_path))
    entries = sorted((tmp_path / "cache" / "specs").glob("*/*.pickle"))
    assert len(entries) == 2
    old_entry = next(
        e for e in entries if e.stem == cache.unit_digest(SourceUnit("file", tmp_path / "old.yaml", tmp_path))
    )
    long_ago = old_entry.stat().st_mtime - 8 * 86400
    os.utime(old_entry, (long_ago, long_ago))
    assert cache.prune() == 1
    assert not old_entry.exists() and len(list((tmp_path / "cache" / "specs").glob("*/*.pickle"))) == 1
    assert cache.prune() == 0  # rate-limited: at most once per hour


def test_broken_action_metadata_is_an_import_error_while_the_packs_workflows_still_build(tmp_path, monkeypatch):
    workflows = tmp_path / "attune"
    pack = workflows / "ops"
    (pack / "actions").mkdir(parents=True)
    (pack / "workflows").mkdir()
    (pack / "pack.yaml").write_text('ref: ops\nversion: "1.0.0"\n')
    (pack / "actions" / "restart.yaml").write_text("runner_type: shell\nentry_point: restart.sh\n")
    (pack / "workflows" / "daily.yaml").write_text(workflow("ops.daily"))
    monkeypatch.setenv("AIRFLOW__ATTUNE__WORKFLOWS_FOLDER", str(workflows))
    monkeypatch.setenv("AIRFLOW__ATTUNE__PACKS_FOLDER", "")
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", raising=False)
    report = build_dags({}, folders=[workflows], cache=SpecCache(None))
    assert "ops.daily" in report.dags
    action_file = str(pack / "actions" / "restart.yaml")
    (problem,) = report.problems[action_file]
    assert (problem.line, problem.column) == (2, 14) and "not found" in problem.message
    assert any(dag.startswith("attune_load_error.") for dag in report.dags)
