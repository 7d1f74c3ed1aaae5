"""Shared page frame and styling of the attune views, close to the Airflow 3 UI's look.

The views are server-rendered (no JavaScript) and framed by Airflow in an iframe, so they carry
their own small stylesheet: Airflow's font stack, gray borders, uppercase table headers, rounded
cards and badges. Text never breaks inside a token (ids, hashes, URLs, JSON keys); a line too
long for the frame scrolls sideways instead.
"""

from __future__ import annotations

import html

STYLE = """
:root{--fg:#18181b;--muted:#71717a;--border:#e4e4e7;--head:#f4f4f5;--card:#fff;--bg:#fff;
--link:#0284c7;--ok:#16a34a;--err:#dc2626;--warn:#b45309;--warnbg:#fffbeb;--code:#f8fafc}
@media (prefers-color-scheme: dark){:root{--fg:#e4e4e7;--muted:#a1a1aa;--border:#3f3f46;--head:#27272a;
--card:#18181b;--bg:#09090b;--link:#7dd3fc;--warnbg:#292524;--code:#111113}}
*{box-sizing:border-box}
body{font-family:Inter,ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
margin:0;padding:16px 20px;color:var(--fg);background:var(--bg);font-size:14px;line-height:1.5}
h1{font-size:20px;font-weight:600;margin:0 0 2px} h2{font-size:15px;font-weight:600;margin:20px 0 8px}
a{color:var(--link);text-decoration:none} a:hover{text-decoration:underline}
.sub{color:var(--muted);font-size:13px;margin-bottom:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.card{border:1px solid var(--border);border-radius:8px;background:var(--card);overflow-x:auto;margin:8px 0}
table{border-collapse:collapse;width:100%}
th{background:var(--head);color:var(--muted);font-size:11px;font-weight:600;text-transform:uppercase;
letter-spacing:.04em;text-align:left;padding:8px 12px;border-bottom:1px solid var(--border);white-space:nowrap}
td{padding:8px 12px;border-bottom:1px solid var(--border);vertical-align:top}
tr:last-child td{border-bottom:none} tbody tr:hover td{background:var(--head)}
td.key{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;width:1%}
.meta td:first-child{color:var(--muted);white-space:nowrap;width:1%}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
code{white-space:normal;overflow-wrap:normal;word-break:normal} .meta code{white-space:nowrap}
pre{margin:0;white-space:pre-wrap;word-break:normal;overflow-wrap:normal;overflow-x:auto;max-width:100%}
pre.src{white-space:pre;background:var(--code);padding:0;counter-reset:line}
pre.src span.l{display:block;padding:0 12px}
pre.src span.l::before{counter-increment:line;content:counter(line);display:inline-block;width:3em;
color:var(--muted);margin-right:12px;text-align:right}
pre.src span.bad{background:#fee2e2;color:#7f1d1d} pre.src span.hl{background:#fef9c3;color:#422006} pre.src span.why{display:block;background:#fef2f2;
color:var(--err);padding:0 12px 0 calc(3em + 24px);font-family:inherit}
.badge{display:inline-block;border-radius:9999px;padding:0 8px;font-size:12px;border:1px solid var(--border);
background:var(--head);white-space:nowrap;margin:1px 2px 1px 0}
.muted{color:var(--muted)} .err{color:var(--err)}
.banner{border:1px solid var(--warn);background:var(--warnbg);color:var(--warn);border-radius:8px;padding:8px 12px;margin:8px 0}
.actions{margin:8px 0} .btn{display:inline-block;border:1px solid var(--border);border-radius:6px;padding:4px 10px;
background:var(--card);color:var(--fg);font-size:13px;margin-right:6px} .btn:hover{background:var(--head);text-decoration:none}
.pager{margin:8px 0;color:var(--muted)} .pager a,.pager span{margin-right:10px}
details summary{cursor:pointer;color:var(--muted)}
"""


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def e(value: object) -> str:
    return html.escape(str(value))


def size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def table(head: list[str], rows: list[str], testid: str = "", css: str = "") -> str:
    """A bordered card holding a table; ``rows`` are ready ``<tr>`` strings."""
    attr = f" data-testid='{testid}'" if testid else ""
    cls = f" class='{css}'" if css else ""
    header = "".join(f"<th>{e(h)}</th>" for h in head)
    thead = f"<thead><tr>{header}</tr></thead>" if head else ""
    return f"<div class='card'><table{attr}{cls}>{thead}<tbody>{''.join(rows)}</tbody></table></div>"
