"""The ``[attune]`` settings the store and the XCom backend use, read once per process.

Reading Airflow's configuration on every XCom push costs more than the push itself for small
values, and a process's configuration does not change while it runs. ``store_settings.cache_clear()``
re-reads it (tests that change the environment do).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class StoreSettings:
    url: str
    conn_id: str
    compression: str
    cache_size: int
    inline_threshold: int


@functools.cache
def store_settings() -> StoreSettings:
    from attune_provider.config import settings

    s = settings()
    return StoreSettings(s.store_url, s.store_conn_id, s.compression, s.cache_size, s.inline_threshold)
