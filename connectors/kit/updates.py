"""Stock and price updates sent in batches (docs/ARCHITECTURE.md#failure-classes).

A platform plans a push as batches (one call each, its own body) and the updates refused
before any call; `push_plan` sends the batches in turn and keeps a failed call on the
updates it carried, so one call never fails the whole push. Planning reads each update's
ids (`addressed`) and cuts the updates into calls that never name a listing twice (`cut`,
`item_plan`): the platform says only how its calls address a listing and what a call body
holds.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from lapak.connectors.http import RetryPolicy
from lapak.connectors.kit.failures import kept_failure
from lapak.sync.parallel import in_parallel
from lapak.sync.protocol import PermanentError, TransientError
from lapak.sync.types import ItemResult, ListingRef, PriceUpdate, StockUpdate

Update = StockUpdate | PriceUpdate
Results = list[tuple[int, ItemResult]]
"""Results by input position."""


class Batched(Protocol):
    @property
    def indices(self) -> tuple[int, ...]:
        """The input positions of the updates one call carries."""
        ...


B = TypeVar("B", bound=Batched)
U = TypeVar("U", bound=Update)
A = TypeVar("A")
T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Plan(Generic[B]):
    """A push as calls: its batches, and the updates refused before any call."""

    batches: list[B]
    rejected: Results


@dataclass(frozen=True, slots=True)
class ItemBatch(Generic[K]):
    """One call that updates variants of one item (Shopee's update_stock, TikTok's inventory
    update): the item's id, the input positions of the updates it carries, and its body."""

    item_id: K
    indices: tuple[int, ...]
    body: dict[str, Any]


def update_failed(update: Update, error: str, *, permanent: bool) -> ItemResult:
    """The failed result of one update (its listing named)."""
    return ItemResult.failure(update.ref.sku, error, permanent=permanent, ref=update.ref)


def batch_failed(
    batch: Batched, updates: Sequence[Update], error: str, *, permanent: bool
) -> Results:
    """Each update of a failed call, failed with the call's error."""
    return [(i, update_failed(updates[i], error, permanent=permanent)) for i in batch.indices]


def addressed(
    updates: Sequence[U], address: Callable[[U], A]
) -> tuple[list[tuple[int, A]], Results]:
    """Each update's input position with `address(update)`, what a call names it by (its
    ids, maybe its value); an update `address` refuses (`PermanentError`: a ref that is not
    the platform's ids) is rejected, failed permanently."""
    found: list[tuple[int, A]] = []
    rejected: Results = []
    for index, update in enumerate(updates):
        try:
            found.append((index, address(update)))
        except PermanentError as exc:
            rejected.append((index, update_failed(update, str(exc), permanent=True)))
    return found, rejected


def cut(entries: Iterable[T], size: int, key: Callable[[T], Hashable]) -> list[list[T]]:
    """`entries` in calls of at most `size`, in order. An entry whose `key` the open call
    already holds starts the next call: the marketplaces refuse a listing named twice in one
    call (or answer ambiguously), and the later value lands last."""
    calls: list[list[T]] = []
    current: list[T] = []
    keys: set[Hashable] = set()
    for entry in entries:
        if current and (len(current) >= size or key(entry) in keys):
            calls.append(current)
            current, keys = [], set()
        current.append(entry)
        keys.add(key(entry))
    if current:
        calls.append(current)
    return calls


def item_plan(
    updates: Sequence[U],
    size: int,
    address: Callable[[U], tuple[K, V]],
    body: Callable[[K, list[tuple[int, V]]], dict[str, Any]],
) -> Plan[ItemBatch[K]]:
    """A push to a platform whose call updates variants of one item. `address(update)` is
    the (item, variant) an update names (a `PermanentError` rejects the update); the updates
    are grouped by item and cut so no call carries more than `size` variants or one twice (a
    repeat goes to a later call, in order); `body(item, [(input position, variant), …])` is
    a call's body. The calls that filled up come first, then the rest in the order their
    items first came."""
    found, rejected = addressed(updates, address)
    open_calls: dict[K, list[tuple[int, V]]] = {}
    closed: list[tuple[K, list[tuple[int, V]]]] = []
    for index, (item, variant) in found:
        call = open_calls.setdefault(item, [])
        if len(call) >= size or any(held == variant for _, held in call):
            closed.append((item, call))
            call = open_calls[item] = []
        call.append((index, variant))
    closed.extend(open_calls.items())
    batches = [
        ItemBatch(item, tuple(i for i, _ in call), body(item, call)) for item, call in closed
    ]
    return Plan(batches, rejected)


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
    for round_ in _rounds(plan.batches, updates):
        for answered in in_parallel(sent, round_, at_once=at_once):
            results.update(answered)
    return [results[i] for i in range(len(updates))]


def _rounds(batches: Sequence[B], updates: Sequence[Update]) -> list[list[B]]:
    """The batches in order, cut where one names a listing an earlier batch of the round
    names: a round's calls go side by side, the rounds one after another, so a repeated
    listing's later value still lands last (the plan put it in a later call for that)."""
    rounds: list[list[B]] = []
    named: set[ListingRef] = set()
    for batch in batches:
        refs = {updates[i].ref for i in batch.indices}
        if not rounds or not named.isdisjoint(refs):
            rounds.append([])
            named = set()
        rounds[-1].append(batch)
        named |= refs
    return rounds
