"""``PlainItems``: what Airflow's expansion indexes -- lazy per item, plain values out."""

from __future__ import annotations

import pickle

from attune_provider.store import ResultStore
from attune_provider.xcom.consumers import PlainItems, for_airflow_or_user, pulled_for_expansion


def _stored(tmp_path, value):
    store = ResultStore((tmp_path / "store").as_uri())
    return store, store.load(store.put_object(value).key, ())


def test_items_come_back_plain_and_are_read_one_by_one(tmp_path) -> None:
    items = [{"id": i, "rows": [{"n": j, "pad": "p" * 200} for j in range(50)]} for i in range(20)]
    store, view = _stored(tmp_path, items)
    seq = PlainItems(view)
    before = store.stats.bytes_read
    assert len(seq) == 20
    third = seq[3]
    assert type(third) is dict and type(third["rows"]) is list and type(third["rows"][0]) is dict
    assert third == items[3]
    assert store.stats.bytes_read - before < 2 * len(str(items[3]))  # one item, not the list
    assert seq[-1] == items[-1] and seq[1:3] == items[1:3]
    assert list(seq) == items and seq == items
    assert pickle.loads(pickle.dumps(seq)) == items


def test_outside_airflow_expansion_values_are_plain(tmp_path) -> None:
    _, view = _stored(tmp_path, [[1, 2], {"a": [3]}])
    assert not pulled_for_expansion()
    plain = for_airflow_or_user(view)
    assert type(plain) is list and plain == [[1, 2], {"a": [3]}]
    _, mapping = _stored(tmp_path, {"k": {"v": [1]}})
    assert type(for_airflow_or_user(mapping)) is dict
