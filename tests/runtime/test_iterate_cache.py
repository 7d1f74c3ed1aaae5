"""iterate_cache end to end (issue 21 point 2), shaped like attune's docs example
``docs/examples/cache-iteration-workflow.workflow.yaml``: owner/namespace/generation selectors,
``batch_size`` batches of cache entry objects, ``index`` the batch ordinal, ``concurrency``, retry,
timeout, and ``succeeded()`` / ``failed()`` transitions with publishes. One real run.

attune's rules (``crates/executor/src/scheduler.rs``): entries in bytewise ``external_id`` order in
attune's item shape; a namespace nothing was published to fails the task (``failed()`` runs);
a published empty generation succeeds without running the action.
"""

from __future__ import annotations

import pytest

from attune_provider.store.data_cache import CacheNamespace, DataCache
from tests.runtime.helpers import compile_text, run_dag

pytestmark = pytest.mark.airflow

WORKFLOW = """
ref: cachedemo.process_cached_users
vars:
  status: pending
  missing_status: pending
tasks:
  - name: process_users
    action: test.batch
    iterate_cache:
      owner_type: pack
      owner_ref: cachedemo
      namespace: "{{ parameters.namespace }}"
      generation: active
      require_fresh: false
      page_size: 100
    batch_size: 2
    concurrency: 2
    permission_set_refs: [standard]
    retry: {count: 1, delay: 0, backoff: exponential, max_delay: 60}
    timeout: 300
    input:
      batch_index: "{{ index }}"
      users: "{{ item }}"
    next:
      - when: "{{ succeeded() }}"
        publish:
          - status: completed
          - batches: "{{ result() | map(attribute='data') | list }}"
      - when: "{{ failed() }}"
        publish:
          - status: failed
  - name: never_published
    action: test.batch
    iterate_cache: {namespace: nobody_wrote_this}
    input: {batch_index: "{{ index }}", users: ["{{ item }}"]}
    next:
      - when: "{{ failed() }}"
        publish:
          - missing_status: failed
        do: [report_missing]
  - name: report_missing
    action: core.noop
  - name: published_empty
    action: test.batch
    iterate_cache: {namespace: empty_users}
    input: {batch_index: "{{ index }}", users: ["{{ item }}"]}
parameters:
  namespace: {type: string, default: Users}
output_map:
  status: "{{ workflow.status }}"
  batches: "{{ workflow.batches }}"
  missing_status: "{{ workflow.missing_status }}"
  empty: "{{ task.published_empty }}"
"""


def test_iterate_cache_runs_batches_of_the_active_generation(dag_env, tmp_path, registry):
    cache = DataCache.from_settings()
    users = CacheNamespace("pack", "cachedemo", "users")
    cache.publish_generation(users, [{"external_id": "old", "value": {}}])  # superseded below
    cache.publish_generation(
        users,
        [
            {"external_id": "user-b", "value": {"enabled": False}},
            {"external_id": "User-Z", "value": {"enabled": True}},  # bytewise: uppercase first
            {"external_id": "user-a", "value": {"enabled": True}},
        ],
    )
    cache.publish_generation(CacheNamespace("pack", "cachedemo", "empty_users"), [])
    calls: list[tuple[int, list[str]]] = []

    def batch(users, batch_index):
        calls.append((batch_index, [u["external_id"] for u in users]))
        assert set(users[0]) == {"external_id", "value", "source_updated_at", "source_checksum", "size_bytes"}
        return {"index": batch_index, "ids": [u["external_id"] for u in users]}

    registry.register("test.batch", batch)
    report = run_dag(compile_text(tmp_path, "cachedemo", WORKFLOW, registry))

    assert report.state == "success"  # the failed never_published task was handled by failed()
    assert sorted(calls) == [(0, ["User-Z", "user-a"]), (1, ["user-b"])]  # the namespace was lowercased
    assert report.mapped_states["process_users.run"] == {0: "success", 1: "success"}
    assert report.output["status"] == "completed"
    assert report.output["batches"] == [{"index": 0, "ids": ["User-Z", "user-a"]}, {"index": 1, "ids": ["user-b"]}]
    assert report.output["missing_status"] == "failed"
    gate_error = report.xcom("never_published.gate", key="attune_error")
    assert "cache namespace 'nobody_wrote_this' of pack cachedemo does not exist" in gate_error
    assert report.output["empty"] == []  # a published empty generation runs nothing and succeeds
    assert "published_empty.run" not in {k for k, v in report.mapped_states.items() if v}
