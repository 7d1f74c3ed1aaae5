"""The CLI's embedded defaults: which XCom backend a run uses, and the warning when it is not ours."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from attune_provider.cli import environment

DEFAULT_SPELLED_OUT = "airflow.sdk.execution_time.xcom.BaseXCom"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AIRFLOW__") or name == "AIRFLOW_HOME":
            monkeypatch.delenv(name)
    return tmp_path


def _cfg(home, value: str) -> None:
    (home / "airflow.cfg").write_text(f"[core]\nxcom_backend = {value}\nload_examples = False\n")


@pytest.mark.parametrize("spelled", [DEFAULT_SPELLED_OUT, "airflow.models.xcom.BaseXCom", "  "])
def test_spelled_out_default_backend_counts_as_unset(clean_env, spelled):
    """`airflow` commands write airflow.cfg with the default BaseXCom spelled out (issue 12 item 6)."""
    _cfg(clean_env, spelled)
    environment.prepare(str(clean_env))
    assert os.environ["AIRFLOW__CORE__XCOM_BACKEND"] == environment.XCOM_BACKEND


def test_another_backend_in_the_cfg_is_kept_and_warned_about(clean_env):
    _cfg(clean_env, "my.company.XCom")
    environment.prepare(str(clean_env))
    assert "AIRFLOW__CORE__XCOM_BACKEND" not in os.environ
    warning = environment.xcom_backend_warning("my.company.XCom")
    assert warning is not None and "my.company.XCom" in warning and environment.XCOM_BACKEND in warning


def test_no_warning_for_the_attune_backend():
    assert environment.xcom_backend_warning(environment.XCOM_BACKEND) is None
    assert "BaseXCom" in (environment.xcom_backend_warning(DEFAULT_SPELLED_OUT) or "")


def test_a_home_without_a_fernet_key_gets_its_own_private_one(clean_env):
    """Secrets are sealed with [core] fernet_key (store/sealed.py); a fresh CLI home has none."""
    environment.prepare(str(clean_env))
    key = os.environ["AIRFLOW__CORE__FERNET_KEY"]
    key_file = clean_env / environment.FERNET_KEY_FILE
    assert key_file.read_text() == key and (key_file.stat().st_mode & 0o777) == 0o600
    del os.environ["AIRFLOW__CORE__FERNET_KEY"]
    environment.prepare(str(clean_env))
    assert os.environ["AIRFLOW__CORE__FERNET_KEY"] == key  # the same key on the next run


def test_a_fernet_key_in_the_cfg_is_kept(clean_env):
    (clean_env / "airflow.cfg").write_text("[core]\nfernet_key = from-the-cfg\n")
    environment.prepare(str(clean_env))
    assert "AIRFLOW__CORE__FERNET_KEY" not in os.environ


def test_load_examples_spelled_out_by_airflow_counts_as_unset(clean_env):
    """Airflow writes `load_examples = True` into a new airflow.cfg; a CLI run's scheduler then
    parsed and ran Airflow's ~75 example DAGs beside the workflow."""
    (clean_env / "airflow.cfg").write_text("[core]\nload_examples = True\n")
    environment.prepare(str(clean_env))
    assert os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"


def _key_of(home: str) -> str:
    return environment.home_fernet_key(Path(home))


def test_concurrent_first_runs_of_a_home_share_one_fernet_key(tmp_path):
    """Seen in CI: of several first runs of one fresh home, the losers of the key file's O_EXCL
    creation failed with FileExistsError."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(8) as pool:
        keys = pool.map(_key_of, [str(tmp_path)] * 32)
    assert len(set(keys)) == 1 and keys[0]
    assert [p.name for p in tmp_path.iterdir()] == [environment.FERNET_KEY_FILE]  # no spare left behind
