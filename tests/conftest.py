"""Test session setup: Airflow's environment must exist before anything imports airflow.

Every test process gets its own AIRFLOW_HOME with a SQLite metadata DB, our XCom backend and a
file result store; the schema is created once per session by the ``airflow_db`` fixture.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = (REPO_ROOT.parent / "shared" / "attune-corpus").resolve()

_HOME = Path(os.environ.get("ATTUNE_TEST_AIRFLOW_HOME") or tempfile.mkdtemp(prefix="attune-airflow-home-"))
_HOME.mkdir(parents=True, exist_ok=True)
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_HOME}/airflow.db"
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__XCOM_BACKEND"] = "attune_provider.xcom.AttuneXComBackend"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(_HOME / "dags")
os.environ.setdefault("AIRFLOW__ATTUNE__STORE_URL", (_HOME / "attune-store").as_uri())
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
# a test-only Fernet key: secrets published by test workflows are sealed with it (store/sealed.py)
os.environ.setdefault("AIRFLOW__CORE__FERNET_KEY", "AuWtle8kC0KJ12JZtVdKfBk149XQDSb1pMBZTiC2STo=")
(_HOME / "dags").mkdir(exist_ok=True)


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    return _HOME


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """Create the metadata schema once per session; tests that run DAGs depend on this."""
    from airflow.utils import db

    db.initdb()
    return airflow_home


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"attune corpus not found at {CORPUS}")
    return CORPUS


class CorpusCounts:
    """Counts of the corpora (fault reads, fuzz files, abuse templates, ...), printed at the end of
    every run -- CI's log shows how many cases ran and how many ended wrong (always 0: each corpus
    test asserts it)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def record(self, corpus: str, tried: int, wrong_label: str, wrong: int) -> None:
        self.lines.append(f"{corpus}: {tried}, {wrong_label}: {wrong}")


_CORPUS_COUNTS = CorpusCounts()


@pytest.fixture(scope="session")
def corpus_counts() -> CorpusCounts:
    return _CORPUS_COUNTS


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _CORPUS_COUNTS.lines:
        terminalreporter.section("corpus counts")
        for line in _CORPUS_COUNTS.lines:
            terminalreporter.write_line(line)
