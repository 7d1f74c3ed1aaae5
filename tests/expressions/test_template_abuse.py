"""Issue 12 (CI corpus): sandbox escapes and resource exhaustion through templates are blocked.

Every payload must end in an ``ExpressionError`` (never a value, never a crash of another kind)
within a CPU-time bound and without a large memory peak. The counts are printed:
``template abuse: tried N, blocked N``.
"""

from __future__ import annotations

import resource
import time

import pytest

from attune_provider.expressions import ExpressionError, WorkflowContext, render

CPU_BOUND_S = 5.0  # per payload; match() alone is bounded at 1 s by default
MEMORY_BOUND_KB = 400 * 1024  # peak RSS growth per payload

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ (1).__class__.__base__.__subclasses__() }}",
    "{{ 'a'.__class__.__mro__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ lipsum | attr('__globals__') }}",
    "{{ '' | attr('__class__') }}",
    "{{ parameters.__class__ }}",
    "{{ task.__dict__ }}",
    "{{ keystore.__class__.__init__ }}",
    "{{ now().__class__.__init__.__globals__ }}",
    "{{ ''.format.__globals__ }}",
    "{{ '{0.__class__.__mro__}'.format(1) }}",
    "{{ '{0.__init__.__globals__}'.format(cycler) }}",
    "{{ dict.__subclasses__() }}",
    "{{ range.__globals__ }}",
    "{{ length.__code__ }}",
    "{{ [].append(1) }}",
    "{{ {}.update(a=1) }}",
    "{{ parameters.pop('x') }}",
    "{{ __import__('os').system('id') }}",
    "{{ getattr(parameters, '__class__') }}",
    "{{ request.application.__globals__ }}",
    "{% import 'os' as os %}",
    "{% include '/etc/passwd' %}",
    "{% extends '/etc/passwd' %}",
    "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ config.items.__self__.__class__ }}",
]

EXHAUSTION = [
    "{{ 'a' * 10**9 }}",
    "{{ [1] * 10**9 }}",
    "{{ 10**9 * 'a' }}",
    "{{ 'a'.ljust(10**9) }}",
    "{{ 'a'.rjust(10**9) }}",
    "{{ 'x'.center(10**9) }}",
    "{{ 'x'.zfill(10**9) }}",
    "{{ '\\t'.expandtabs(10**9) }}",
    "{{ ('ab' * 10).replace('', 'x' * 10**7) }}",
    "{{ ('x' * 10**4).join(range(100000)|map('string')) }}",
    "{{ range(100000) | join('x' * 10**4) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%.999999999f' % 1.5 }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{x:>999999999}'.format_map({'x': 1}) }}",
    "{{ '%999999999s' | format('a') }}",
    "{{ '%*d' % (10**9, 1) }}",
    "{{ '{0:{1}}'.format('a', 10**9) }}",
    "{{ '%(a)999999999s' % {'a': 1} }}",
    "{% set big = 'x' * 30000000 %}{{ ('{0}' * 1000).format(big) }}",
    "{% set big = 'x' * 30000000 %}{{ ('%(a)s' * 1000) % {'a': big} }}",
    "{% set big = 'x' * 30000000 %}{{ ('%s' * 1000) | format(*([big] * 1000)) }}",
    "{{ 'a' | center(10**9) }}",
    "{{ ('\\n' * 10**6) | indent(1000) }}",
    "{{ [1, 2] | tojson(indent=10**9) }}",
    "{{ ('a' * 10**7) | replace('a', 'aaaaaaaaaa') }}",
    "{{ ('x' * 10**7) ~ ('x' * 10**7) ~ ('x' * 10**7) ~ ('x' * 10**7) }}",
    "{{ ('x' * 10**7) + ('x' * 10**7) + ('x' * 10**7) + ('x' * 10**7) }}",
    "{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100) %}x{% endfor %}{% endfor %}",
    "{% for i in range(3000) %}{{ 'y' * 20000 }}{% endfor %}",
    "{{ range(10**9) }}",
    "{{ 2 ** 10000 }}",
    "{{ 9 ** (9 ** 9) }}",
    "{{ (10 ** 1000) ** 1000 }}",
    "{{ lipsum(10**6) }}",
    "{{ ([[1] * 1000] * 40000) | sum(start=[]) | length }}",
    "{{ match('(a|aa)+$', 'a' * 60 + 'b') }}",
    "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "{% macro m() %}{% for i in range(100000) %}{{ 'y' * 20000 }}{% endfor %}{% endmacro %}{{ m() | length }}",
    "{% set b %}{% for i in range(100000) %}{{ 'y' * 20000 }}{% endfor %}{% endset %}{{ b | length }}",
    "{% set big = 'y' * 30000000 %}{% macro m() %}{% for i in range(1000) %}{{ big }}{% endfor %}{% endmacro %}"
    "{{ m() | length }}",
    "{% filter upper %}{% for i in range(100000) %}{{ 'y' * 20000 }}{% endfor %}{% endfilter %}",
]

# Issue 22: values small in references but huge once materialised (each step is small, the value
# built is not). Each is refused before anything is materialised.
SHARED_REFERENCES = [
    "{% set s = 'x' * 30000000 %}{% set l = [s] * 18 %}{{ l }}",  # 540 M characters
    "{% set s = 'x' * 30000000 %}{{ [s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s] }}",
    "{% set s = 'x' * 1000000 %}{% set a = [s] * 100 %}{% set b = [a] * 100 %}{{ b }}",  # 1 MB seed
    "{% set s = 'x' * 1000000 %}{{ [[s] * 100] * 100 }}",
    "{% set ns = namespace(x=['y' * 1000]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}"
    "{% endfor %}{{ ns.x | length }}",
    "{% set ns = namespace(x={'k': 'y' * 1000}) %}{% for i in range(40) %}"
    "{% set ns.x = {'a': ns.x, 'b': ns.x} %}{% endfor %}{{ ns.x | tojson }}",
    "{% set s = 'x' * 10000000 %}{% set l = [s, s, s] %}{{ [l, l, l] | string }}",
    "{% set s = 'x' * 20000000 %}{{ {'a': s, 'b': s} | tojson }}",
    "{% set s = 'x' * 20000000 %}{{ [[s]] * 2 }}",
    "{% set s = 'x' * 20000000 %}{{ [s] + [s] }}",
    "{% set s = 'x' * 20000000 %}{{ [1] | batch(3, s) | list }}",
    "{% set s = 'x' * 20000000 %}{{ (s, s) | join }}",
    "{% set s = 'x' * 20000000 %}{{ '%s' % ([s, s],) }}",
    "{% set s = 'x' * 20000000 %}{{ (s, s) ~ 'tail' }}",
    "{% set s = 'x' * 20000000 %}{{ dict(a=s, b=s) | pprint }}",
    "{{ [1] | batch(10**9) | list }}",
    "{{ [1] | slice(10**9) | list }}",
]


@pytest.fixture(scope="module")
def ctx() -> WorkflowContext:
    ctx = WorkflowContext(parameters={"x": 1}, results={"t": {"a": 1}}, config={"k": "v"}, keystore={"s": "v"})
    render("{{ 'warm' * 2 }}", ctx)  # first use reads the [attune] settings (imports airflow's config)
    return ctx


def _attempt(payload: str, ctx: WorkflowContext) -> tuple[bool, float, int, str]:
    """(blocked, CPU seconds, peak RSS growth in KB, what happened)."""
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    try:
        value = render(payload, ctx)
        outcome, blocked = f"ACCEPTED: {str(value)[:80]!r}", False
    except ExpressionError as exc:
        outcome, blocked = str(exc)[:200], True
    cpu = time.process_time() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    return blocked, cpu, grown, outcome


def test_template_abuse_corpus(ctx: WorkflowContext, corpus_counts) -> None:
    payloads = ESCAPES + EXHAUSTION + SHARED_REFERENCES
    assert len(payloads) >= 30
    failures = []
    blocked_count = 0
    accepted = set()
    for payload in payloads:
        blocked, cpu, grown, outcome = _attempt(payload, ctx)
        blocked_count += blocked
        if not blocked:
            accepted.add(payload)
        if not blocked or cpu > CPU_BOUND_S or grown > MEMORY_BOUND_KB:
            failures.append(f"{payload!r}: {outcome} (cpu {cpu:.2f} s, +{grown // 1024} MB)")
    print(
        f"\ntemplate abuse: tried {len(payloads)} ({len(ESCAPES)} escapes, {len(EXHAUSTION)} exhaustion, "
        f"{len(SHARED_REFERENCES)} shared references), blocked {blocked_count}"
    )
    corpus_counts.record("abuse templates", len(payloads), "not blocked", len(payloads) - blocked_count)
    shared_open = sum(1 for payload in SHARED_REFERENCES if payload in accepted)
    corpus_counts.record("shared-reference templates", len(SHARED_REFERENCES), "not blocked", shared_open)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("payload", EXHAUSTION + SHARED_REFERENCES)
def test_exhaustion_errors_name_the_limit_or_the_problem(payload: str, ctx: WorkflowContext) -> None:
    """A bound breach names the [attune] setting that raises it (or the sandbox rule that applies)."""
    with pytest.raises(ExpressionError) as info:
        render(payload, ctx, where="task 'x' field 'input'")
    message = str(info.value)
    assert "task 'x' field 'input'" in message
    assert "[attune] template_" in message or "limit" in message or "recursion" in message.lower()
