"""Airflow's environment for in-process commands, set BEFORE the first ``import airflow``.

Airflow reads AIRFLOW_HOME and its configuration once, at import. The CLI therefore decides the
home, the metadata DB and the XCom backend here and only then imports Airflow. Values a user
already set in the environment always win; we only fill in embedded defaults.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

XCOM_BACKEND = "attune_provider.xcom.AttuneXComBackend"
#: Airflow's own default, which ``airflow`` commands spell out when they write airflow.cfg
DEFAULT_XCOM_BACKENDS = frozenset(
    {"", "airflow.sdk.execution_time.xcom.BaseXCom", "airflow.models.xcom.BaseXCom", "airflow.sdk.bases.xcom.BaseXCom"}
)


def prepare(airflow_home: str | None = None) -> Path:
    """Set AIRFLOW_HOME and defaults; return the home. Must run before Airflow is imported."""
    if "airflow" in sys.modules and airflow_home:
        current = os.environ.get("AIRFLOW_HOME")
        if current and Path(current).resolve() != Path(airflow_home).resolve():
            raise RuntimeError("Airflow was imported before the CLI could set AIRFLOW_HOME")
    if airflow_home:
        os.environ["AIRFLOW_HOME"] = str(Path(airflow_home).resolve())
    home = Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow").resolve()
    os.environ["AIRFLOW_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    configured = _configured_in_cfg(home)
    if "database.sql_alchemy_conn" not in configured:
        # timeout: how long a connection waits for SQLite's write lock (parallel runs share it)
        os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home}/airflow.db?timeout=60")
    if configured.get("core.xcom_backend", "").strip() in DEFAULT_XCOM_BACKENDS:
        os.environ.setdefault("AIRFLOW__CORE__XCOM_BACKEND", XCOM_BACKEND)
    # Airflow writes its default (True) into a new airflow.cfg: that counts as unset too
    if configured.get("core.load_examples", "True").strip().lower() == "true":
        os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    if not configured.get("core.fernet_key", "").strip() and not os.environ.get("AIRFLOW__CORE__FERNET_KEY"):
        os.environ["AIRFLOW__CORE__FERNET_KEY"] = home_fernet_key(home)
    return home


#: the home's own Fernet key, for homes whose airflow.cfg sets none (secrets are sealed with it)
FERNET_KEY_FILE = "attune-fernet.key"


def home_fernet_key(home: Path) -> str:
    """The key in ``<home>/attune-fernet.key``, created (mode 0600) on first use. Airflow seals
    Variables and Connections with ``[core] fernet_key`` and the provider seals secret values
    with it (store/sealed.py); a fresh home has none, and without one secrets could not be kept."""
    path = home / FERNET_KEY_FILE
    if not path.is_file():
        from cryptography.fernet import Fernet

        # concurrent first runs of one home: each writes a complete key aside and links it into
        # place; the first link wins and the others use that key (O_EXCL on the final name made the
        # losers fail with FileExistsError, or read a key not yet written)
        spare = path.with_name(f".{FERNET_KEY_FILE}.{os.getpid()}.tmp")
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(Fernet.generate_key().decode("ascii"))
        try:
            os.link(spare, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(spare)
    return path.read_text(encoding="ascii").strip()


def _configured_in_cfg(home: Path) -> dict[str, str]:
    """``section.option`` -> value that an existing airflow.cfg sets explicitly (not overridden)."""
    cfg = home / "airflow.cfg"
    if not cfg.is_file():
        return {}
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(cfg, encoding="utf-8")
    except configparser.Error:
        return {}
    return {
        f"{section}.{option}": parser[section][option]
        for section in parser.sections()
        for option in parser[section]
    }


def xcom_backend_warning(backend: str) -> str | None:
    """The warning a run prints when results will not go through the attune XCom backend."""
    if backend.strip() == XCOM_BACKEND:
        return None
    return (
        f"warning: [core] xcom_backend is {backend.strip() or 'unset'!r}, not {XCOM_BACKEND}: task results "
        "are stored inline in the metadata DB (no result store, no by-reference reads). Set "
        f"AIRFLOW__CORE__XCOM_BACKEND={XCOM_BACKEND} or remove the option from airflow.cfg."
    )


def ensure_database() -> None:
    """Create the metadata schema when the DB is new (SQLite file missing or empty)."""
    from airflow.configuration import conf

    url = conf.get("database", "sql_alchemy_conn")
    if url.startswith("sqlite:///"):
        db_file = Path(url[len("sqlite:///") :].split("?", 1)[0])
        if db_file.is_file() and db_file.stat().st_size > 0 and _has_schema():
            wal_journal(db_file)
            return
    elif _has_schema():
        return
    from airflow.utils import db

    db.initdb()
    if url.startswith("sqlite:///"):
        wal_journal(Path(url[len("sqlite:///") :].split("?", 1)[0]))


def wal_journal(db_file: Path) -> None:
    """SQLite in WAL mode (kept in the file): readers never wait for the writer, which the
    scheduler, dag-processor, triggerer and api-server of a run -- and concurrent runs -- need."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(db_file, timeout=60)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def _has_schema() -> bool:
    from airflow import settings
    from sqlalchemy import inspect

    try:
        return inspect(settings.engine).has_table("dag_run")
    except Exception:
        return False


def quiet_airflow_logging(verbose: bool = False) -> None:
    """Keep Airflow's own INFO chatter off the terminal unless asked for it."""
    import logging

    level = logging.INFO if verbose else logging.WARNING
    for name in ("airflow", "airflow.task", "airflow.processor", "sqlalchemy", "alembic"):
        logging.getLogger(name).setLevel(level)
