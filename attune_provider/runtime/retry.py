"""attune ``retry`` (count, delay, backoff constant/linear/exponential, max_delay) on Airflow.

Airflow's own exponential backoff adds hash jitter and has no linear mode, so the delay of each
retry is computed here exactly and handed to Airflow through a ``RetryPolicy`` (Airflow 3.3
evaluates it in the worker after every failed try and stores the delay on the task instance).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk.definitions.retry_policy import RetryDecision, RetryPolicy

from attune_provider.spec.model import RetryPolicy as AttuneRetry


def retry_delay_seconds(policy: AttuneRetry, retry_number: int) -> float:
    """Delay before retry ``retry_number`` (1 = first retry)."""
    base = max(float(policy.delay or 0), 0.0)
    if policy.backoff == "linear":
        delay = base * retry_number
    elif policy.backoff == "exponential":
        delay = base * (2 ** (retry_number - 1))
    else:
        delay = base
    if policy.max_delay is not None:
        delay = min(delay, float(policy.max_delay))
    return delay


class AttuneRetryPolicy(RetryPolicy):
    """Retry every failure with the attune-computed delay (try 1 failing -> retry 1)."""

    def __init__(self, policy: AttuneRetry) -> None:
        self.policy = policy

    def __repr__(self) -> str:
        # deterministic: mapped tasks serialize it as text, and the DAG hash must not change
        p = self.policy
        return f"AttuneRetryPolicy(count={p.count}, delay={p.delay}, backoff={p.backoff}, max_delay={p.max_delay})"

    def evaluate(
        self, exception: BaseException, try_number: int, max_tries: int, context: Any = None
    ) -> RetryDecision:
        delay = retry_delay_seconds(self.policy, max(int(try_number), 1))
        return RetryDecision.retry(
            delay=timedelta(seconds=delay), reason=f"attune retry ({self.policy.backoff}, {delay:g}s)"
        )

    def serialize(self) -> dict[str, Any]:
        return {
            "count": self.policy.count,
            "delay": self.policy.delay,
            "backoff": self.policy.backoff,
            "max_delay": self.policy.max_delay,
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> AttuneRetryPolicy:
        return cls(AttuneRetry(**data))


def operator_retry_kwargs(policy: AttuneRetry | None, default_retries: int | None) -> dict[str, Any]:
    """BaseOperator kwargs for a task's retry block (or the workflow's default retries)."""
    if policy is None or policy.count <= 0:
        if default_retries:
            return {"retries": int(default_retries)}
        return {"retries": 0}
    kwargs: dict[str, Any] = {
        "retries": int(policy.count),
        "retry_delay": timedelta(seconds=float(policy.delay or 0)),
        "retry_policy": AttuneRetryPolicy(policy),
    }
    if policy.max_delay is not None:
        kwargs["max_retry_delay"] = timedelta(seconds=float(policy.max_delay))
    return kwargs


def is_final_try(ti: Any) -> bool:
    """True when a failure now is final (no retry left): routing happens only then."""
    server = getattr(ti, "_ti_context_from_server", None)
    if server is not None and hasattr(server, "should_retry"):
        return not server.should_retry
    return int(getattr(ti, "try_number", 1)) > int(getattr(ti, "max_tries", 0))
