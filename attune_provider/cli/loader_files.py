"""The DAG file through which ``attune-airflow run`` shows its workflow to Airflow.

``dag.test()`` only runs DAGs it finds in a DAG bundle, so the CLI needs a file in the DAGs
folder -- but a CLI run must never change what the deployment's own loader (``attune_dags.py``,
``attune_provider.dag_loading``) shows. Rules, applied both when the CLI writes the file
and every time Airflow parses it:

* a workflow under ``[attune] workflows_folder`` / ``packs_folder`` while a deployment loader is
  in the DAGs folder belongs to that loader: the CLI reuses its DAG and writes nothing (and a
  stale ``attune_cli__<ref>.py`` defines nothing for it), so no DAG id is ever defined twice;
* any other workflow (a file elsewhere) gets ``attune_cli__<ref>.py``, which also defines the
  child workflows it nests.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from attune_provider.local_files import write_atomically

#: what a deployment loader file imports (the old module path still works for copied files)
DEPLOYMENT_MARKERS = ("attune_provider.dag_loading", "attune_provider.compiler.dag_loader")

TEMPLATE = '''\
"""Airflow DAG file written by `attune-airflow run`: compiles one attune workflow and its children.

ref: {ref}
Workflows the deployment's loader (attune_dags.py) compiles are skipped here, so this file never
defines a DAG twice. Delete it to remove the DAGs; `attune-airflow run` rewrites it when needed.
"""

from attune_provider.cli.loader_files import publish

publish(globals(), {workflows!r}, __file__)
'''


def loader_file_name(ref: str) -> str:
    import re

    return "attune_cli__" + re.sub(r"[^A-Za-z0-9_]", "_", ref) + ".py"


def deployment_loaders(dags_folder: Path) -> list[Path]:
    """Python files in the DAGs folder that run the deployment loader (not CLI loader files)."""
    if not dags_folder.is_dir():
        return []
    found = []
    for path in sorted(dags_folder.rglob("*.py")):
        if path.name.startswith("attune_cli__"):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(marker in text for marker in DEPLOYMENT_MARKERS):
                found.append(path)
        except OSError:
            continue
    return found


def owning_loader(source: Path, dags_folder: Path) -> Path | None:
    """The deployment loader that compiles ``source``, when there is one."""
    from attune_provider.dag_loading.units import configured_folders

    loaders = deployment_loaders(dags_folder)
    if not loaders:
        return None
    resolved = Path(source).resolve()
    if any(resolved == folder or folder in resolved.parents for folder in configured_folders()):
        return loaders[0]
    return None


def publish(namespace: MutableMapping[str, Any], workflows: Mapping[str, str], loader_file: str) -> None:
    """Called by CLI loader files at parse time: define each workflow the deployment does not own."""
    from attune_provider.cli.dags import dag_from_source

    dags_folder = Path(loader_file).resolve().parent
    for ref, source in workflows.items():
        if owning_loader(Path(source), dags_folder) is None:
            namespace["dag__" + ref.replace(".", "__")] = dag_from_source(source, ref)


def prepare(dags_folder: Path, ref: str, workflows: Mapping[str, Path]) -> Path:
    """The DAG file that defines ``ref`` for this run: the deployment's loader, or a CLI file."""
    dags_folder.mkdir(parents=True, exist_ok=True)
    target = dags_folder / loader_file_name(ref)
    owner = owning_loader(workflows[ref], dags_folder)
    if owner is not None:
        target.unlink(missing_ok=True)
        return owner
    text = TEMPLATE.format(ref=ref, workflows={r: str(Path(p).resolve()) for r, p in workflows.items()})
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        write_atomically(target, text.encode("utf-8"))
    return target
