"""Task fields read as attune's own structs read them (``crates/common/src/workflow/parser.rs``):
``retry`` (``RetryConfig``) and ``iterate_cache`` (``IterateCacheConfig``, unknown keys rejected)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from attune_provider.spec.codes import ATTUNE_REJECTS
from attune_provider.spec.model import RetryPolicy
from attune_provider.spec.report import Report, is_int, type_name
from attune_provider.spec.templates import TemplateChecker
from attune_provider.spec.yaml_source import YamlPath

#: the longest duration Python's ``timedelta`` (Airflow's retry delay, execution timeout) holds
MAX_SECONDS = 86_399_999_999_999  # timedelta.max, in whole seconds (999999999 days)
RETRY_KEYS = frozenset({"count", "delay", "backoff", "max_delay", "on_error"})
RETRY_COUNT = (1, 100)  # attune's RetryConfig: #[validate(range(min = 1, max = 100))]
BACKOFFS = ("constant", "linear", "exponential")
ITERATE_CACHE_KEYS = frozenset({"owner_type", "owner_ref", "namespace", "generation", "page_size", "require_fresh"})


def parse_retry(report: Report, templates: TemplateChecker, path: YamlPath, name: str, value: Any) -> RetryPolicy | None:
    """attune's ``RetryConfig`` (``crates/common/src/workflow/parser.rs``): ``count`` (1-100)
    and ``delay`` (whole seconds) are required, ``max_delay`` is whole seconds, ``on_error``
    is a template string that attune parses but never evaluates (``maybe_retry_workflow_task``
    in ``crates/executor/src/scheduler.rs`` retries every failure and timeout)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        report.error(path, f"task '{name}': 'retry' must be a mapping, got {type_name(value)}",
                     "e.g. `retry: {count: 3, delay: 5, backoff: exponential}`")  # fmt: skip
        return None
    report.unknown_keys(path, value, RETRY_KEYS, "retry")
    ok = True
    for key in ("count", "delay"):
        if key not in value:
            report.error(
                path,
                f"task '{name}': retry has no '{key}'; attune's parser requires both 'count' and 'delay'",
                "e.g. `retry: {count: 3, delay: 5}`",
                at_key=True,
                code=ATTUNE_REJECTS,
            )
            ok = False
    count = value.get("count", 1)
    if not (is_int(count) and RETRY_COUNT[0] <= count <= RETRY_COUNT[1]):
        report.error(
            (*path, "count"),
            f"task '{name}': retry 'count' must be an integer from {RETRY_COUNT[0]} to {RETRY_COUNT[1]} "
            f"(attune's range), got {count!r}",
            code=ATTUNE_REJECTS,
        )
        ok = False
    delay = value.get("delay", 0)
    if not (is_int(delay) and 0 <= delay <= MAX_SECONDS):
        report.error(
            (*path, "delay"),
            f"task '{name}': retry 'delay' must be a whole number of seconds from 0 to {MAX_SECONDS} (attune "
            f"reads an unsigned integer; Airflow a timedelta), got {delay!r}",
            code=ATTUNE_REJECTS,
        )
        ok = False
    backoff = value.get("backoff", "constant")
    if backoff not in BACKOFFS:
        report.error((*path, "backoff"), f"task '{name}': unknown retry backoff {backoff!r}",
                     "use one of " + ", ".join(BACKOFFS))  # fmt: skip
        ok = False
    max_delay = value.get("max_delay")
    if max_delay is not None and not (is_int(max_delay) and 0 <= max_delay <= MAX_SECONDS):
        report.error((*path, "max_delay"),
                     f"task '{name}': retry 'max_delay' must be a whole number of seconds from 0 to {MAX_SECONDS}, "
                     f"got {max_delay!r}",
                     code=ATTUNE_REJECTS)  # fmt: skip
        ok = False
    on_error = retry_on_error(report, templates, (*path, "on_error"), name, value)
    if not ok:
        return None
    return RetryPolicy(
        count=count,
        delay=float(delay),
        backoff=backoff,
        max_delay=float(max_delay) if max_delay is not None else None,
        on_error=on_error,
    )

def retry_on_error(report: Report, templates: TemplateChecker, path: YamlPath, name: str, retry: dict[Any, Any]) -> str | None:
    """``retry.on_error``: attune's parser reads an optional string (a template); its executor
    never evaluates it, so every failure and timeout is retried, here too (said once, located)."""
    if "on_error" not in retry or retry["on_error"] is None:
        return None
    value = retry["on_error"]
    if not isinstance(value, str):
        report.error(
            path,
            f"task '{name}': retry 'on_error' must be a template string, got {type_name(value)}",
            'e.g. `on_error: "{{ \'timeout\' in result().error }}"`',
            code=ATTUNE_REJECTS,
        )
        return None
    templates.collect(path, value)
    report.warn(
        path,
        f"task '{name}': retry 'on_error' is parsed but never evaluated (attune's executor retries "
        "every failure and timeout up to 'count' too); every failure is retried",
        "not-executed",
        at_key=True,
    )
    return value


def parse_iterate_cache(report: Report, templates: TemplateChecker, path: YamlPath, name: str, value: Any) -> Any:
    """attune's ``IterateCacheConfig`` (parser.rs, ``deny_unknown_fields``): ``namespace``
    required; ``owner_type``, ``owner_ref``, ``generation`` text (templates allowed);
    ``page_size`` 1-1000; ``require_fresh`` a boolean. Unknown keys are errors, as in attune."""
    if value is None:
        return None
    if not isinstance(value, dict):
        report.error(path, f"task '{name}': 'iterate_cache' must be a mapping, got {type_name(value)}")
        return None
    ok = True
    for key in value:
        if key not in ITERATE_CACHE_KEYS:
            report.error(
                (*path, key),
                f"task '{name}': unknown iterate_cache key {key!r}; attune's parser rejects unknown keys here",
                "use " + ", ".join(sorted(ITERATE_CACHE_KEYS)),
                at_key=True,
                code=ATTUNE_REJECTS,
            )
            ok = False
    if "namespace" not in value:
        report.error(path, f"task '{name}': iterate_cache needs a 'namespace'", at_key=True, code=ATTUNE_REJECTS)
        ok = False
    for key in ("owner_type", "owner_ref", "namespace", "generation"):
        if key in value and not (isinstance(value[key], str) and value[key].strip()):
            hint = f'quote it: `{key}: "{value[key]}"`' if isinstance(value[key], int) else None
            report.error((*path, key), f"task '{name}': iterate_cache '{key}' must be non-empty text, got "
                         f"{type_name(value[key])} {value[key]!r}", hint, code=ATTUNE_REJECTS)  # fmt: skip
            ok = False
        elif key in value:
            templates.collect((*path, key), value[key])
    page_size = value.get("page_size", 100)
    if not (is_int(page_size) and 1 <= page_size <= 1000):
        report.error((*path, "page_size"),
                     f"task '{name}': iterate_cache 'page_size' must be an integer from 1 to 1000, got {page_size!r}",
                     code=ATTUNE_REJECTS)  # fmt: skip
        ok = False
    if not isinstance(value.get("require_fresh", False), bool):
        report.error((*path, "require_fresh"), f"task '{name}': iterate_cache 'require_fresh' must be true or false",
                     code=ATTUNE_REJECTS)  # fmt: skip
        ok = False
    return MappingProxyType(value) if ok else None
