"""How the engine asks for follow-up work without knowing the job system.

Jobs carry ids, never state (docs/rules.md, rule 1). A push request is coalesced through
`Store.push_requested_at`: only the first request since the last push started enqueues a
job; a request older than `STALE_AFTER` counts as lost and is sent again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, update

from sync.store.db import Database
from sync.store.dialect import affected
from sync.store.models import Store, utcnow

STALE_AFTER = timedelta(seconds=60)


class Dispatcher(Protocol):
    """Sends jobs. Implemented by `jobs/` on dramatiq; tests may record calls."""

    def push(self, store_id: int) -> None: ...

    def fetch_orders(self, store_id: int, external_ids: Sequence[str]) -> None: ...

    def ship(self, order_id: int) -> None: ...

    def process_webhooks(self, store_id: int) -> None: ...


def request_pushes(
    db: Database, dispatcher: Dispatcher, store_ids: Iterable[int], *, now: datetime | None = None
) -> list[int]:
    """Make sure one push job per store is pending; returns the stores actually enqueued."""
    now = now or utcnow()
    sent: list[int] = []
    for store_id in sorted(set(store_ids)):
        with db.session() as session:
            claimed = affected(
                session.execute(
                    update(Store)
                    .where(
                        Store.id == store_id,
                        or_(
                            Store.push_requested_at.is_(None),
                            Store.push_requested_at < now - STALE_AFTER,
                        ),
                    )
                    .values(push_requested_at=now)
                )
            )
        if claimed:
            dispatcher.push(store_id)
            sent.append(store_id)
    return sent
