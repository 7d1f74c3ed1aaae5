"""Server-rendered HTML for the attune UI views (no JavaScript: Airflow frames them sandboxed).

Every value shown is escaped; links are relative so the views work under any base URL.
"""

from __future__ import annotations

import html
import json
from urllib.parse import urlencode

from attune_provider.plugins.data import ResultPage, WorkflowInfo

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:12px;color:#1a202c;font-size:14px}
h1{font-size:18px;margin:0 0 8px} h2{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;width:100%} td,th{border:1px solid #e2e8f0;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f7fafc} code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;word-break:break-all;margin:0} .meta td:first-child{width:160px;color:#4a5568}
.pager a,.pager span{margin-right:8px} .muted{color:#718096} .err{color:#c53030}
@media (prefers-color-scheme: dark){body{background:#1a202c;color:#e2e8f0} th{background:#2d3748}
td,th{border-color:#4a5568} a{color:#90cdf4}}
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def _e(value: object) -> str:
    return html.escape(str(value))


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _result_link(page: ResultPage, *, path: list, page_no: int = 1, map_index: int | None = None) -> str:
    """Relative link to another page/path of the same result (identifiers travel in the query)."""
    query: list[tuple[str, str | int]] = [
        ("dag_id", page.dag_id),
        ("run_id", page.run_id),
        ("task_id", page.task_id),
        ("map_index", page.map_index if map_index is None else map_index),
    ]
    query += [("path", str(p)) for p in path]
    if page_no != 1:
        query.append(("page", page_no))
    if page.page_size != 50:
        query.append(("page_size", page.page_size))
    return f"result?{urlencode(query)}"


def result_html(page: ResultPage) -> str:
    ident = f"{page.task_id}" + (f" [{page.map_index}]" if page.map_index >= 0 else "")
    parts = [f"<h1>attune result: {_e(ident)}</h1>"]
    parts.append(f"<div class='muted'>{_e(page.dag_id)} / {_e(page.run_id)}</div>")
    if not page.found:
        if page.mapped_indexes:
            links = " ".join(
                f"<a href='{_e(_result_link(page, path=[], map_index=i))}'>{i}</a>"
                for i in page.mapped_indexes
            )
            parts.append(
                f"<p>This task is mapped ({len(page.mapped_indexes)} instances). Open one: {links}</p>"
            )
        else:
            parts.append(
                "<p>No result was stored for this task instance (not run yet, skipped or failed).</p>"
            )
        return _page("attune result", "".join(parts))
    meta = [
        ("stored as", "result store reference" if page.is_reference else "inline XCom value"),
    ]
    if page.is_reference:
        meta += [
            ("content hash (sha256)", f"<code>{_e(page.key)}</code>"),
            ("object size", _e(_size(page.object_bytes))),
        ]
    meta.append(("type", _e(page.kind or "?")))
    if page.length is not None:
        meta.append(("length", f"{page.length:,}"))
    if page.path:
        crumbs = [f"<a href='{_e(_result_link(page, path=[]))}'>root</a>"]
        for i, step in enumerate(page.path):
            crumbs.append(f"<a href='{_e(_result_link(page, path=page.path[: i + 1]))}'>{_e(step)}</a>")
        meta.append(("path", " / ".join(crumbs)))
    rows = "".join(f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in meta)
    parts.append(f"<table class='meta'>{rows}</table>")
    if page.error:
        parts.append(f"<p class='err'>Cannot read the value: {_e(page.error)}</p>")
        return _page("attune result", "".join(parts))
    if page.scalar is not None:
        parts.append(f"<h2>value</h2><pre data-testid='attune-value'>{_e(page.scalar)}</pre>")
        return _page("attune result", "".join(parts))
    parts.append(_pager(page))
    head = "index" if page.kind == "list" else "key"
    body = []
    for row in page.rows:
        key_cell = _e(row.key)
        if row.nested:
            key_cell = f"<a href='{_e(_result_link(page, path=[*page.path, row.key]))}'>{key_cell}</a>"
        note = " <span class='muted'>(truncated)</span>" if row.truncated else ""
        body.append(f"<tr><td>{key_cell}</td><td><pre>{_e(row.text)}</pre>{note}</td></tr>")
    parts.append(
        f"<table data-testid='attune-value'><tr><th>{head}</th><th>value</th></tr>{''.join(body)}</table>"
    )
    parts.append(_pager(page))
    return _page("attune result", "".join(parts))


def _pager(page: ResultPage) -> str:
    if page.pages <= 1:
        return ""
    start = (page.page - 1) * page.page_size
    text = [
        f"<span>items {start}-{start + len(page.rows) - 1} of {page.length:,} (page {page.page}/{page.pages})</span>"
    ]
    if page.page > 1:
        text.append(f"<a href='{_e(_result_link(page, path=page.path, page_no=1))}'>first</a>")
        text.append(f"<a href='{_e(_result_link(page, path=page.path, page_no=page.page - 1))}'>previous</a>")
    if page.page < page.pages:
        text.append(f"<a href='{_e(_result_link(page, path=page.path, page_no=page.page + 1))}'>next</a>")
        text.append(f"<a href='{_e(_result_link(page, path=page.path, page_no=page.pages))}'>last</a>")
    return f"<div class='pager'>{''.join(text)}</div>"


def workflow_html(info: WorkflowInfo) -> str:
    parts = [f"<h1>attune workflow: {_e(info.dag_id)}</h1>"]
    if not info.found:
        parts.append("<p>This DAG is not serialized in the metadata DB yet.</p>")
        return _page("attune workflow", "".join(parts))
    if info.description:
        parts.append(f"<p>{_e(info.description)}</p>")
    parts.append(f"<h2>compiled tasks ({len(info.tasks)})</h2>")
    rows = []
    for task in info.tasks:
        mapped = "mapped" if task["mapped"] else ""
        if task.get("map_index_template"):
            mapped += f" <code>{_e(task['map_index_template'])}</code>"
        rows.append(
            "<tr>"
            f"<td><code>{_e(task['task_id'])}</code></td><td>{_e(task['group'] or '')}</td>"
            f"<td>{_e(task['operator'])}</td><td>{_e(task['trigger_rule'])}</td><td>{mapped}</td>"
            f"<td>{_e(', '.join(task['upstream']))}</td><td>{_e(task['retries'])}</td>"
            "</tr>"
        )
    parts.append(
        "<table data-testid='attune-tasks'><tr><th>task id</th><th>group (attune task)</th><th>operator</th>"
        f"<th>trigger rule</th><th>mapping</th><th>upstream</th><th>retries</th></tr>{''.join(rows)}</table>"
    )
    if info.params:
        parts.append("<h2>params</h2><pre>" + _e(json.dumps(info.params, indent=2, default=str)) + "</pre>")
    parts.append("<h2>attune source</h2>")
    if info.source_note:
        parts.append(f"<p class='muted'>{_e(info.source_note)}</p>")
    for source in info.sources:
        parts.append(
            f"<h2><code>{_e(source.path)}</code></h2><pre data-testid='attune-source'>{_e(source.text)}</pre>"
        )
    return _page("attune workflow", "".join(parts))
