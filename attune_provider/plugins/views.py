"""Server-rendered HTML of the Attune result view (no JavaScript: Airflow frames it).

Every value shown is escaped; links are relative so the view works under any base URL. The
title names the instance by its grid label; an action's ``stdout`` that only repeats its ``data``
is collapsed; the whole value can be downloaded as JSON (``result/download``).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from attune_provider.plugins.data import ResultPage
from attune_provider.plugins.decision_data import ROUTING_NO_RESULT, attune_task_name
from attune_provider.plugins.html import e, page, size, table
from attune_provider.plugins.items_view import items_html

#: a ``full_value`` pointer (store/preview.py): a path under the Airflow UI's base URL
_RESULT_TAB_PATH = re.compile(r"(/dags/[^\s\"'<>]+/plugin/attune-result)")


def _query(page_: ResultPage, *, path: list, page_no: int = 1, map_index: int | None = None) -> str:
    query: list[tuple[str, str | int]] = [
        ("dag_id", page_.dag_id),
        ("run_id", page_.run_id),
        ("task_id", page_.task_id),
        ("map_index", page_.map_index if map_index is None else map_index),
    ]
    query += [("path", str(p)) for p in path]
    if page_no != 1:
        query.append(("page", page_no))
    if page_.page_size != 50:
        query.append(("page_size", page_.page_size))
    return urlencode(query)


def _result_link(page_: ResultPage, *, path: list, page_no: int = 1, map_index: int | None = None) -> str:
    """Relative link to another page/path of the same result (identifiers travel in the query)."""
    return f"result?{_query(page_, path=path, page_no=page_no, map_index=map_index)}"


def download_link(page_: ResultPage) -> str:
    query: list[tuple[str, str | int]] = [
        ("dag_id", page_.dag_id),
        ("run_id", page_.run_id),
        ("task_id", page_.task_id),
        ("map_index", page_.map_index),
    ]
    query += [("path", str(p)) for p in page_.path]
    return f"result/download?{urlencode(query)}"


def _header(page_: ResultPage) -> list[str]:
    parts = [
        f"<h1 data-testid='attune-title'>{e(page_.title)}</h1>",
        f"<div class='sub'>attune result · {e(page_.dag_id)} · {e(page_.run_id)}</div>",
    ]
    name = attune_task_name(page_.task_id)
    links = []
    if name is not None:
        query = urlencode([("dag_id", page_.dag_id), ("task", name)])
        links.append(f"<a class='btn' data-testid='attune-source-link' href='workflow?{e(query)}#task-{e(name)}'>"
                     f"workflow YAML of {e(name)}</a>")
    if page_.map_index >= 0:
        links.append(f"<a class='btn' data-testid='attune-all-items' href='{e(_result_link(page_, path=[], map_index=-1))}'>"
                     "all items of this task</a>")
    if links:
        parts.append(f"<div class='actions'>{''.join(links)}</div>")
    if page_.decision is not None:
        parts.append(_decision(page_))
    return parts


def _decision(page_: ResultPage) -> str:
    """Outcome, error and transition taken of the attune task this instance belongs to."""
    d = page_.decision
    assert d is not None
    if d.handled_failure:
        css, verdict = "banner", "failure handled"
    elif d.outcome == "succeeded":
        css, verdict = "card", "succeeded"
    else:
        css, verdict = "card err", "failure not handled: the run fails"
    targets = ", ".join(d.selected) or "(no task)"
    rows = [f"<div><b>{e(verdict)}</b> · outcome <code>{e(d.outcome)}</code> · transition taken: → {e(targets)}"
            f" <span class='muted'>(decided by {e(d.decider)})</span></div>"]
    if d.error:
        rows.append(f"<div>error: <code data-testid='attune-decision-error'>{e(d.error)}</code></div>")
    return f"<div class='{css}' data-testid='attune-decision' style='padding:8px 12px'>{''.join(rows)}</div>"


def linkify(escaped: str) -> str:
    """Turn Attune result tab paths in already escaped text into links (relative to the base URL:
    this page is served at ``<base>/attune/result``, so ``..`` is the base)."""
    return _RESULT_TAB_PATH.sub(lambda m: f"<a target='_top' href='..{m.group(1)}'>{m.group(1)}</a>", escaped)


def result_html(page_: ResultPage) -> str:
    parts = _header(page_)
    if not page_.found:
        if page_.items is not None:
            parts.append(items_html(page_.items))
        elif page_.routing:
            parts.append(f"<p data-testid='attune-no-result'>{e(ROUTING_NO_RESULT)}</p>")
        else:
            parts.append("<p data-testid='attune-no-result'>No result was stored for this task instance "
                         "(not run yet, skipped or failed).</p>")
        return page("attune result", "".join(parts))
    if page_.warning:
        parts.append(f"<div class='banner' data-testid='attune-warning'>{e(page_.warning)}</div>")
    parts.append(_meta(page_))
    if page_.error:
        parts.append(f"<p class='err'>Cannot read the value: {e(page_.error)}</p>")
        return page("attune result", "".join(parts))
    parts.append(
        f"<div class='actions'><a class='btn' data-testid='attune-download' download href='{e(download_link(page_))}'>"
        "Download full value (JSON)</a></div>"
    )
    if page_.scalar is not None:
        parts.append(f"<h2>value</h2><div class='card'><pre data-testid='attune-value' style='padding:8px 12px'>"
                     f"{linkify(e(page_.scalar))}</pre></div>")
        return page("attune result", "".join(parts))
    parts.append(_pager(page_))
    rows = []
    for row in page_.rows:
        key_cell = e(row.key)
        if row.nested:
            key_cell = f"<a href='{e(_result_link(page_, path=[*page_.path, row.key]))}'>{key_cell}</a>"
        note = " <span class='muted'>(truncated: download for the full value)</span>" if row.truncated else ""
        cell = f"<pre>{linkify(e(row.text))}</pre>{note}"
        if row.repeats:
            cell = (
                f"<details data-testid='attune-collapsed'><summary>same as <code>{e(row.repeats)}</code> "
                f"({len(row.text):,} chars): show</summary>{cell}</details>"
            )
        rows.append(f"<tr><td class='key'>{key_cell}</td><td>{cell}</td></tr>")
    head = ["index" if page_.kind == "list" else "key", "value"]
    parts.append(table(head, rows, testid="attune-value"))
    parts.append(_pager(page_))
    return page("attune result", "".join(parts))


def _meta(page_: ResultPage) -> str:
    meta = [("stored as", "result store reference" if page_.is_reference else "inline XCom value")]
    if page_.label:
        meta.append(("item label", f"<code>{e(page_.label)}</code>"))
    if page_.is_reference:
        meta += [
            ("content hash (sha256)", f"<code>{e(page_.key)}</code>"),
            ("object size", e(size(page_.object_bytes))),
        ]
    meta.append(("type", e(page_.kind or "?")))
    if page_.length is not None:
        meta.append(("length", f"{page_.length:,}"))
    if page_.path:
        crumbs = [f"<a href='{e(_result_link(page_, path=[]))}'>root</a>"]
        for i, step in enumerate(page_.path):
            crumbs.append(f"<a href='{e(_result_link(page_, path=page_.path[: i + 1]))}'>{e(step)}</a>")
        meta.append(("path", " / ".join(crumbs)))
    rows = [f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in meta]
    return table([], rows, css="meta")


def _pager(page_: ResultPage) -> str:
    if page_.pages <= 1:
        return ""
    start = (page_.page - 1) * page_.page_size
    text = [
        f"<span>items {start}-{start + len(page_.rows) - 1} of {page_.length:,} "
        f"(page {page_.page}/{page_.pages})</span>"
    ]
    if page_.page > 1:
        text.append(f"<a href='{e(_result_link(page_, path=page_.path, page_no=1))}'>first</a>")
        text.append(f"<a href='{e(_result_link(page_, path=page_.path, page_no=page_.page - 1))}'>previous</a>")
    if page_.page < page_.pages:
        text.append(f"<a href='{e(_result_link(page_, path=page_.path, page_no=page_.page + 1))}'>next</a>")
        text.append(f"<a href='{e(_result_link(page_, path=page_.path, page_no=page_.pages))}'>last</a>")
    return f"<div class='pager'>{''.join(text)}</div>"
