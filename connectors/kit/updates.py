"""Stock and price updates sent in batches (docs/ARCHITECTURE.md#failure-classes).

A platform plans a push as batches (one call each, its own body) and the updates refused
before any call; `push_plan` sends the batches in turn and keeps a failed call on the
updates it carried, so one call never fails the whole push.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from lapak.connectors.http import RetryPolicy
from lapak.connectors.kit.failures import kept_failure
from lapak.sync.parallel import in_parallel
from lapak.sync.protocol import PermanentError, TransientError
from lapak.sync.types import ItemResult, PriceUpdate, StockUpdate

Update = StockUpdate | PriceUpdate
Results = list[tuple[int, ItemResult]]
"""Results by input position."""


class Batched(Protocol):
    @property
    def indices(self) -> tuple[int, ...]:
        """The input positions of the updates one call carries."""
        ...


B = TypeVar("B", bound=Batched)


@dataclass(frozen=True, slots=True)
class Plan(Generic[B]):
    """A push as calls: its batches, and the updates refused before any call."""

    batches: list[B]
    rejected: Results


def update_failed(update: Update, error: str, *, permanent: bool) -> ItemResult:
    """The failed result of one update (its listing named)."""
    return ItemResult.failure(update.ref.sku, error, permanent=permanent, ref=update.ref)


def batch_failed(
    batch: Batched, updates: Sequence[Update], error: str, *, permanent: bool
) -> Results:
    """Each update of a failed call, failed with the call's error."""
    return [(i, update_failed(updates[i], error, permanent=permanent)) for i in batch.indices]


def push_plan(
    plan: Plan[B],
    updates: Sequence[Update],
    send: Callable[[B], Results],
    retry_policy: RetryPolicy,
    *,
    at_once: int,
) -> list[ItemResult]:
    """`send(batch)` for each batch of the plan, up to `at_once` calls in flight
    (`sync.parallel`): the call and its results. A call that fails transiently or
    permanently fails its updates (a throttle beyond the in-call cap propagates, for the
    job to wait it out). One result per update, in input order."""

    def sent(batch: B) -> Results:
        try:
            return send(batch)
        except (TransientError, PermanentError) as exc:
            permanent = kept_failure(exc, retry_policy)
            return batch_failed(batch, updates, str(exc), permanent=permanent)

    results = dict(plan.rejected)
    for answered in in_parallel(sent, plan.batches, at_once=at_once):
        results.update(answered)
    return [results[i] for i in range(len(updates))]
