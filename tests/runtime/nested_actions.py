"""Python actions (``module:function`` refs) for the nested-workflow test: a child DAG run
happens in another process, which imports these by ref like any data team's code."""

from __future__ import annotations


def double(n):
    return {"doubled": int(n) * 2}


def explode(message):
    raise RuntimeError(message)
