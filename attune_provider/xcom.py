"""XCom backend that keeps task results once in the attune result store (being built: issue 3)."""

from __future__ import annotations

from airflow.sdk.bases.xcom import BaseXCom


class AttuneXComBackend(BaseXCom):
    """Placeholder until the store lands: behaves exactly like BaseXCom."""
