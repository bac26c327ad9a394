"""Verified webhook bodies, kept raw until the orders they name are fetched (rule 8).

The web process verifies a body with the connector, stores it (`record_webhook`) and asks
for a job; the job (or, if that message is lost, the reconciler) takes every stored body
of the store that is not processed yet, fetches the orders it names — never trusting the
body as state (rule 1) — and marks it processed, or keeps the parse error on it.
"""

from __future__ import annotations

from sqlalchemy import select

from sync.protocol import Connector, PermanentError
from sync.pull import PullReport, fetch_orders
from sync.store.db import Database
from sync.store.models import WebhookRecord, utcnow


def record_webhook(db: Database, store_id: int, topic: str, body: bytes) -> int:
    """Keep a verified body; returns its id."""
    with db.session() as session:
        record = WebhookRecord(store_id=store_id, topic=topic[:60], body=body.decode("utf-8"))
        session.add(record)
        session.flush()
        return record.id


def stores_with_pending_webhooks(db: Database) -> set[int]:
    with db.session() as session:
        return set(
            session.scalars(
                select(WebhookRecord.store_id)
                .where(WebhookRecord.processed_at.is_(None), WebhookRecord.error.is_(None))
                .distinct()
            )
        )


def process_webhooks(db: Database, store_id: int, connector: Connector) -> PullReport:
    """Fetch the orders named by the store's pending webhooks and mark them processed."""
    with db.session() as session:
        pending = session.execute(
            select(WebhookRecord.id, WebhookRecord.body)
            .where(
                WebhookRecord.store_id == store_id,
                WebhookRecord.processed_at.is_(None),
                WebhookRecord.error.is_(None),
            )
            .order_by(WebhookRecord.id)
        ).all()
    order_ids: dict[str, None] = {}
    errors: dict[int, str] = {}
    for record_id, body in pending:
        try:
            event = connector.parse_webhook(body.encode("utf-8"))
        except PermanentError as malformed:
            errors[record_id] = str(malformed)
            continue
        order_ids.update(dict.fromkeys(event.order_ids))
    report = fetch_orders(db, store_id, connector, list(order_ids))
    with db.session() as session:
        for record_id, _ in pending:
            record = session.get_one(WebhookRecord, record_id)
            if record_id in errors:
                record.error = errors[record_id]
            else:
                record.processed_at = utcnow()
    return report
