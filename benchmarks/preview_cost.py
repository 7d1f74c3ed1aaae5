"""What building the XCom preview (store/preview.py) costs next to storing the value itself.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/preview_cost.py``. Prints, per value shape, the
time of ``build_preview`` and the ratio to encoding + writing the same value into a result store
in a temporary folder (the baseline, measured in the same run): the preview must stay a small
fraction of the write, whatever the value's size.
"""

from __future__ import annotations

import os
import tempfile
import timeit
from pathlib import Path

_HOME = Path(tempfile.mkdtemp(prefix="attune-bench-preview-"))
os.environ.setdefault("AIRFLOW_HOME", str(_HOME))
os.environ.setdefault("AIRFLOW__ATTUNE__STORE_URL", (_HOME / "store").as_uri())


def main() -> None:
    from attune_provider.store.preview import build_preview
    from attune_provider.store.result_store import ResultStore

    store = ResultStore.from_settings()
    values = {
        "small action result": {"succeeded": True, "data": {"id": 3, "name": "srv-0003"}, "stdout": "ok\n"},
        "1,000 server records": [{"id": i, "name": f"srv-{i:04d}", "tags": ["a", "b"]} for i in range(1000)],
        "100,000 records": [{"id": i, "name": f"srv-{i:05d}", "blob": "x" * 200} for i in range(100_000)],
        "10 MB string": "y" * 10_000_000,
    }
    print(f"{'value':<24}{'preview':>12}{'store write':>14}{'preview/write':>15}")
    for name, value in values.items():
        runs = 20
        preview = timeit.timeit(lambda v=value: build_preview(v, dag_id="d", run_id="r", task_id="t"), number=runs)
        write = timeit.timeit(lambda v=value: store.put_object(v), number=max(1, runs // 10)) / max(1, runs // 10)
        preview /= runs
        print(f"{name:<24}{preview * 1e3:>10.2f}ms{write * 1e3:>12.2f}ms{preview / write:>14.1%}")


if __name__ == "__main__":
    main()
