"""What operators see of a connection: errors before it end with it; a lasting key has no expiry."""

from __future__ import annotations

from datetime import timedelta

from lapak.sync.connections import save_grant
from lapak.sync.ops import store_states
from lapak.sync.sealing import Sealer
from lapak.sync.store.db import Database
from lapak.sync.store.models import JobEvent, Merchant, Store, utcnow
from lapak.sync.types import LASTING, Grant, TokenSet


def _store(db: Database) -> int:
    with db.session() as session:
        merchant = Merchant(name="Batik Sari")
        session.add(merchant)
        session.flush()
        store = Store(name="shopee-a", platform="shopee", merchant_id=merchant.id)
        session.add(store)
        session.flush()
        return store.id


def _state(db: Database) -> tuple[str | None, str | None]:
    (state,) = store_states(db)
    return state.last_error, state.last_error_source


def test_connecting_a_store_ends_its_not_connected_errors(db: Database) -> None:
    store_id = _store(db)
    failed_at = utcnow() - timedelta(minutes=1)
    with db.session() as session:
        session.add(
            JobEvent(
                actor="pull_orders",
                store_id=store_id,
                outcome="error",
                at=failed_at,
                error="AuthError: shopee-a: not connected: run lapak connect shopee-a",
            )
        )
        session.get(Store, store_id).last_error = "not connected"  # type: ignore[union-attr]
        session.get(Store, store_id).last_error_at = failed_at  # type: ignore[union-attr]
    assert _state(db)[0] is not None

    token = TokenSet("access", "refresh", utcnow() + timedelta(hours=4))
    save_grant(db, Sealer([Sealer.generate_key()]), store_id, Grant({"shop_id": "1"}, {}, token))

    assert _state(db) == (None, None)

    with db.session() as session:  # an error after the connection is shown again
        session.add(
            JobEvent(actor="push_store", store_id=store_id, outcome="error", error="HTTP 500")
        )
    assert _state(db) == ("HTTP 500", "push_store")


def test_a_key_that_does_not_expire_shows_no_expiry(db: Database) -> None:
    """Shopify's offline token and WooCommerce's keys sit in the vault as `LASTING`:
    operators see no expiry (not "9999-12-31"), while a real token's expiry is shown."""
    store_id = _store(db)
    sealer = Sealer([Sealer.generate_key()])
    lasting = TokenSet("key", "", LASTING)
    save_grant(db, sealer, store_id, Grant({}, {}, lasting))
    assert store_states(db)[0].token_expires_at is None

    expires = utcnow() + timedelta(hours=4)
    save_grant(db, sealer, store_id, Grant({}, {}, TokenSet("a", "r", expires)))
    assert store_states(db)[0].token_expires_at == expires
