"""``attune-airflow cache publish|show``: the producer side of iterate_cache (docs/with_items.md).

In-process through ``cli.main.main`` (the test session's AIRFLOW_HOME and result store), so no
extra interpreter start-up is paid; the console script wiring is the same ``main``.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from attune_provider.cli.main import main


def test_publish_then_show_the_active_generation_and_refuse_bad_input(tmp_path: Path, capsys):
    owner = f"cli{uuid.uuid4().hex[:8]}"  # the session's store is shared: a namespace of our own
    records = tmp_path / "users.jsonl"
    records.write_text('{"external_id": "b", "value": 2}\n{"external_id": "a", "value": 1}\n')
    assert main(["cache", "publish", "users", str(records), "--owner-ref", owner]) == 0
    assert json.loads(capsys.readouterr().out)["generation"] == 1
    assert main(["cache", "show", "Users", "--owner-ref", owner]) == 0
    assert [e["external_id"] for e in json.loads(capsys.readouterr().out)["entries"]] == ["a", "b"]
    assert main(["cache", "show", "nobody", "--owner-ref", owner]) != 0
    assert "namespace_resolution" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a list"}')
    assert main(["cache", "publish", "users", str(bad), "--owner-ref", owner]) != 0
    assert "expected a list of {external_id, value} records" in capsys.readouterr().err
