"""Task processes import every plugin module: ours must not drag in the api-server stack."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_plugin_does_not_import_fastapi_views() -> None:
    code = (
        "import sys; import attune_provider.plugins.attune_plugin as p; "
        "print('attune_provider.plugins.app' in sys.modules, 'airflow.api_fastapi.app' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["False", "False"]


def test_lazy_app_builds_the_views_on_first_use() -> None:
    from attune_provider.plugins.attune_plugin import AttunePlugin

    lazy = AttunePlugin.fastapi_apps[0]["app"]
    routes = {getattr(route, "path", "") for route in lazy.app.routes}
    assert {"/result", "/workflow"} <= routes
