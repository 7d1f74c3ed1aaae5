"""What a DAG file written by ``attune-airflow run`` publishes: ``{workflow ref: source file}``.

The file calls ``publish(globals(), {ref: source, ...}, __file__)``; the UI's workflow view reads
that mapping back without importing the file (``ast``), to show the YAML a DAG came from.
"""

from __future__ import annotations

from pathlib import Path


def workflows_in(loader_file: Path) -> dict[str, str]:
    """``{ref: source}`` a CLI loader file publishes (read back by the UI's workflow view), or {}."""
    import ast

    try:
        tree = ast.parse(Path(loader_file).read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "publish" and len(node.args) >= 2:
            try:
                found = ast.literal_eval(node.args[1])
            except ValueError:
                return {}
            return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
    return {}
