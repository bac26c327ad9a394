"""What a connector does with a call that failed inside a batch of work (docs/rules.md,
rule 7): a throttle whose wait is beyond the in-call cap propagates, so the job waits it
out; any other failure is kept on the items it concerns, as permanent or not."""

from __future__ import annotations

from lapak.connectors.http import RetryPolicy
from lapak.sync.protocol import PermanentError, TransientError


def kept_failure(exc: TransientError | PermanentError, policy: RetryPolicy) -> bool:
    """Whether the failure `exc` is permanent; re-raises it when the job must wait instead."""
    if policy.beyond_cap(exc):
        raise exc
    return isinstance(exc, PermanentError)
