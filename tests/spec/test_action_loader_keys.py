"""Action keys attune's pack loader reads (pack_registry/loader.rs, load_actions) are known keys,
not "unknown key" warnings; a key attune never reads (``output_schema``) still is one."""

from __future__ import annotations

from pathlib import Path

from attune_provider.spec import load_action_file

ACTION = """
ref: demo.work
runner_type: python
entry_point: work.py
runtime_version: ">=3.9"
required_worker_runtimes: {python: ">=3.9"}
worker_selector: {zone: a}
worker_tolerations: []
worker_affinity: {}
accesses_mcp: false
reference_visibility: public
log_retention_policy: count
log_retention_limit: 10
output_schema:
  items: {type: array}
"""


def test_attune_action_keys_are_known(tmp_path: Path) -> None:
    (tmp_path / "actions").mkdir()
    path = tmp_path / "actions" / "work.yaml"
    path.write_text(ACTION)
    action = load_action_file(path, "demo")
    unknown = [w.message for w in action.warnings if w.code == "unknown-key"]
    assert len(unknown) == 1 and "'output_schema'" in unknown[0], unknown
