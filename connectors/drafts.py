"""Catalog drafts grouped into marketplace items, and the guard around each group's call.

Every connector's `upsert_listings` has the same shape: (index, draft) pairs grouped into
items (by the catalog group when creating, by the bound item id when updating), one call or
a few per group, and a failure of a group's call turned into a failed `ItemResult` for each
of its drafts, so one item never fails the batch. A platform subclasses `DraftGroup` for
what its item body needs (Shopee: the weight in kg; TikTok: at most 9 main images).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, Self, TypeVar, cast

from lapak.connectors.http import RetryPolicy
from lapak.connectors.kit.failures import kept_failure
from lapak.sync.protocol import AlreadyExistsError, PermanentError, TransientError
from lapak.sync.types import ItemResult, ListingDraft, ListingRef


@dataclass(frozen=True, slots=True)
class DraftGroup:
    """Drafts that become (or are) one marketplace item; `indices` are input positions."""

    key: str
    indices: tuple[int, ...]
    drafts: tuple[ListingDraft, ...]

    @property
    def lead(self) -> ListingDraft:
        return self.drafts[0]

    @property
    def has_variants(self) -> bool:
        return not (len(self.drafts) == 1 and self.lead.sku == self.key)

    @property
    def category_id(self) -> str | None:
        return next((d.category_id for d in self.drafts if d.category_id), None)

    @property
    def image_urls(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(url for d in self.drafts for url in d.image_urls))

    @property
    def weight_grams(self) -> int:
        return max(d.weight_grams for d in self.drafts)

    @classmethod
    def grouped(
        cls, drafts: Iterable[tuple[int, ListingDraft]], key: Callable[[ListingDraft], str]
    ) -> list[Self]:
        """(index, draft) pairs grouped by `key`, groups and members in input order."""
        members: dict[str, list[tuple[int, ListingDraft]]] = {}
        for index, draft in drafts:
            members.setdefault(key(draft), []).append((index, draft))
        return [
            cls(name, tuple(i for i, _ in pairs), tuple(d for _, d in pairs))
            for name, pairs in members.items()
        ]


Group = TypeVar("Group", bound=DraftGroup)


def created_results(
    group: DraftGroup,
    item_id: str,
    variant_of: Callable[[int, ListingDraft], str | None],
    missing: str,
) -> list[ItemResult]:
    """One result per draft of a newly created item: bound to `item_id` and the variant
    `variant_of(position, draft)` names, or, where it names none, failed permanently with
    "<missing> <sku>"."""
    results = []
    for position, draft in enumerate(group.drafts):
        variant = variant_of(position, draft)
        if variant is None:
            error = f"{missing} {draft.sku}"
            results.append(ItemResult.failure(draft.sku, error, permanent=True))
        else:
            ref = ListingRef(draft.sku, item_id, variant)
            results.append(ItemResult.success(draft.sku, ref))
    return results


def guarded(
    group: Group, action: Callable[[Group], list[ItemResult]], retry_policy: RetryPolicy
) -> list[tuple[int, ItemResult]]:
    """`action(group)`'s results by input position; a transient or permanent failure of the
    call fails each of the group's drafts instead (a throttle whose wait is beyond the
    in-call cap propagates, for the job to wait it out). A create refused because the item
    is already on the store fails its drafts with `exists` set: the push adopts them."""
    try:
        outcome = action(group)
    except (TransientError, PermanentError) as exc:
        permanent = kept_failure(exc, retry_policy)
        exists = isinstance(exc, AlreadyExistsError)
        outcome = [
            ItemResult.failure(d.sku, str(exc), permanent=permanent, exists=exists)
            for d in group.drafts
        ]
    return list(zip(group.indices, outcome, strict=True))


class UpsertByGroup(Generic[Group]):
    """The template `upsert_listings` of a marketplace that cannot add a variant to a
    listed item. A connector names its `group_type` and `item_name` and supplies
    `_create_group` and `_update_group` (one group each) and `_retry_policy`."""

    group_type: ClassVar[type[DraftGroup]]
    item_name: ClassVar[str]
    """Names the item in "adding a variant to an existing <item_name> is not supported"."""
    _retry_policy: RetryPolicy

    def upsert_listings(self, drafts: Sequence[ListingDraft]) -> list[ItemResult]:
        """Bound drafts updated per bound item, unbound ones created per catalog group, each
        group's call `guarded`; an unbound draft of a group already listed fails
        permanently. One result per draft, in input order."""
        results: dict[int, ItemResult] = {}
        bound = [(i, d) for i, d in enumerate(drafts) if d.ref is not None]
        unbound = [(i, d) for i, d in enumerate(drafts) if d.ref is None]
        bound_groups = {d.group for _, d in bound}
        kind = cast(type[Group], self.group_type)
        for group in kind.grouped(bound, lambda d: d.ref.item_id if d.ref else ""):
            results.update(guarded(group, self._update_group, self._retry_policy))
        for group in kind.grouped(unbound, lambda d: d.group):
            if group.key in bound_groups:
                error = f"adding a variant to an existing {self.item_name} is not supported"
                results.update(
                    (i, ItemResult.failure(d.sku, error, permanent=True))
                    for i, d in zip(group.indices, group.drafts, strict=True)
                )
            else:
                results.update(guarded(group, self._create_group, self._retry_policy))
        return [results[i] for i in range(len(drafts))]

    def _create_group(self, group: Group) -> list[ItemResult]:
        raise NotImplementedError

    def _update_group(self, group: Group) -> list[ItemResult]:
        raise NotImplementedError
