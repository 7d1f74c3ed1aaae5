"""HTML of a mapped task's item list: a strip of all items' durations, then one page of rows.

The strip is an inline SVG (no JavaScript): one bar per item, or per run of consecutive items
when there are more than ``STRIP_BARS``; height is the (max) duration, colour the (worst) state,
so a slow or failed item stands out. Each bar and row links to that item's Attune result.
"""

from __future__ import annotations

from urllib.parse import urlencode

from attune_provider.plugins.html import e, size, table
from attune_provider.plugins.items_data import ItemList

STATE_COLOURS = {
    "success": "#16a34a",
    "failed": "#dc2626",
    "upstream_failed": "#f97316",
    "up_for_retry": "#eab308",
    "running": "#06b6d4",
    "queued": "#64748b",
    "scheduled": "#a1a1aa",
    "skipped": "#f472b6",
}
STRIP_HEIGHT = 48
STRIP_WIDTH = 800


def item_link(items: ItemList, map_index: int) -> str:
    query = urlencode(
        [("dag_id", items.dag_id), ("run_id", items.run_id), ("task_id", items.task_id), ("map_index", map_index)]
    )
    return f"result?{query}"


def _page_link(items: ItemList, page_no: int) -> str:
    query = [("dag_id", items.dag_id), ("run_id", items.run_id), ("task_id", items.task_id), ("map_index", -1)]
    query.append(("page", page_no))
    if items.page_size != 50:
        query.append(("page_size", items.page_size))
    return f"result?{urlencode(query)}"


def strip_svg(items: ItemList) -> str:
    """Durations (height) and states (colour) across all items, as one small SVG."""
    bars = items.strip
    if not bars:
        return ""
    width = STRIP_WIDTH / len(bars)
    top = items.max_duration or 1.0
    rects = []
    for i, bar in enumerate(bars):
        height = max(2.0, STRIP_HEIGHT * bar.duration / top)
        colour = STATE_COLOURS.get(bar.state, "#a1a1aa")
        span = f"item {bar.first}" if bar.first == bar.last else f"items {bar.first}-{bar.last}"
        title = f"{span}: {bar.state}, {bar.duration:.2f} s"
        rects.append(
            f"<a href='{e(item_link(items, bar.first))}'><rect x='{i * width:.2f}' y='{STRIP_HEIGHT - height:.2f}' "
            f"width='{max(width - 0.5, 0.5):.2f}' height='{height:.2f}' fill='{colour}' data-state='{e(bar.state)}'>"
            f"<title>{e(title)}</title></rect></a>"
        )
    return (
        f"<svg data-testid='attune-items-strip' role='img' width='{STRIP_WIDTH}' height='{STRIP_HEIGHT}' "
        f"viewBox='0 0 {STRIP_WIDTH} {STRIP_HEIGHT}' preserveAspectRatio='none' "
        f"aria-label='durations and states of {items.total} items'>{''.join(rects)}</svg>"
    )


def _duration(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.2f} s"


def items_html(items: ItemList) -> str:
    counts = ", ".join(f"{n:,} {state}" for state, n in sorted(items.states.items()))
    parts = [
        f"<h2>items ({items.total:,}: {e(counts)})</h2>",
        f"<div class='card' style='padding:8px 12px'>{strip_svg(items)}"
        f"<div class='muted'>bar height: duration (longest {items.max_duration:.2f} s); colour: state; "
        "click a bar to open its item</div></div>",
        _pager(items),
    ]
    rows = []
    for row in items.rows:
        state = row.state or "none"
        colour = STATE_COLOURS.get(state, "#a1a1aa")
        link = f"<a href='{e(item_link(items, row.map_index))}'>result</a>" if row.stored != "none" else "none"
        rows.append(
            f"<tr data-state='{e(state)}'><td class='key'>{row.map_index}</td><td>{e(row.label or '')}</td>"
            f"<td><span class='badge' style='border-color:{colour};color:{colour}'>{e(state)}</span></td>"
            f"<td>{_duration(row.duration)}</td><td>{e(size(row.result_bytes)) if row.result_bytes is not None else ''}"
            f"{' <span class=muted>(inline)</span>' if row.stored == 'inline' else ''}</td><td>{link}</td></tr>"
        )
    parts.append(table(["index", "label", "state", "duration", "result size", "result"], rows, testid="attune-items"))
    parts.append(_pager(items))
    return "".join(parts)


def _pager(items: ItemList) -> str:
    if items.pages <= 1:
        return ""
    start = (items.page - 1) * items.page_size
    text = [
        f"<span>items {start}-{start + len(items.rows) - 1} of {items.total:,} (page {items.page}/{items.pages})</span>"
    ]
    if items.page > 1:
        text.append(f"<a href='{e(_page_link(items, 1))}'>first</a>")
        text.append(f"<a href='{e(_page_link(items, items.page - 1))}'>previous</a>")
    if items.page < items.pages:
        text.append(f"<a href='{e(_page_link(items, items.page + 1))}'>next</a>")
        text.append(f"<a href='{e(_page_link(items, items.pages))}'>last</a>")
    return f"<div class='pager' data-testid='attune-items-pager'>{''.join(text)}</div>"
