"""What ``gc`` asks one Airflow metadata database: its registrant id, store references and runs.

``MetadataDB.configured()`` is this process's database (Airflow's ORM session); ``MetadataDB.at``
opens another one by URL (another home's SQLite file, for example) with the same queries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from attune_provider.store.reference import MARKER, iter_reference_keys
from attune_provider.store.registry import current_registrant, registrant_for, sanitized_db_url


@dataclass(frozen=True)
class MetadataDB:
    registrant: str
    description: str  # the database URL without its password
    session: Callable[[], AbstractContextManager[Any]]

    @classmethod
    def configured(cls) -> MetadataDB:
        """This process's metadata DB (``[database] sql_alchemy_conn``), as Airflow's ORM reaches it."""
        from airflow.configuration import conf
        from airflow.utils.session import create_session

        conn = conf.get("database", "sql_alchemy_conn", fallback="") or ""
        registrant = current_registrant() or registrant_for(conn)
        return cls(registrant, sanitized_db_url(conn), create_session)

    @classmethod
    def at(cls, conn: str, registrant: str | None = None) -> MetadataDB:
        """Another metadata DB by URL (its own engine); its registrant id defaults to the URL's."""
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        engine = create_engine(conn)

        @contextmanager
        def session() -> Any:
            with Session(engine) as s, s.begin():
                yield s

        return cls(registrant or registrant_for(conn), sanitized_db_url(conn), session)

    def referenced_keys(self) -> set[str]:
        """Every store key referenced by any row of the ``xcom`` table."""
        from airflow.models.xcom import XComModel
        from sqlalchemy import String, cast, select

        keys: set[str] = set()
        stmt = select(XComModel.value).where(cast(XComModel.value, String).like(f"%{MARKER}%"))
        with self.session() as session:
            for (value,) in session.execute(stmt):
                if isinstance(value, str):
                    try:
                        value = json.loads(value)
                    except ValueError:
                        continue
                keys.update(iter_reference_keys(value))
        return keys

    def existing_runs(self) -> set[tuple[str, str]]:
        from airflow.models.dagrun import DagRun
        from sqlalchemy import select

        with self.session() as session:
            return {(d, r) for d, r in session.execute(select(DagRun.dag_id, DagRun.run_id))}
