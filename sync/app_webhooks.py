"""App-level push URLs: one URL for every shop of a marketplace app.

Shopee, Lazada, TikTok Shop and Tokopedia register one push URL per app, not per shop:
every shop that authorized the app pushes there, signed with the app's key. `take_in_app`
finds the store a body is for and hands it to the intake of `/webhooks/{store}`:

1. **Verify** with the app's key: the platform's stores are tried in turn (stores of one
   app share its key; the first whose connector verifies the body names the app). None
   does: refused, nothing stored.
2. **Find the shop** in the verified body: `WebhookEvent.shop`, or `OtherShopError.shop`
   when the verifying store's connector saw a push for another shop of its app.
3. **Hand it over**: the store whose identity is that shop — its configured `shop_id` /
   `seller_id` credential, or its grant's (`sync.connections`; a grant overrides the
   config) — takes the body through `sync.webhooks.take_in`: verified again with its own
   connector, the same replay check, the same stored record, the same job.
4. **No such store**: kept under the verifying store, refused with the shop it names, for
   operators (`Outcome.UNROUTED`, answered 2xx: a marketplace retries anything else for
   days). A body naming no shop goes to the verifying store when no other store verifies
   it (the app has one store here), else is kept refused the same way. A body that does
   not parse goes to the verifying store, which keeps it as unparsable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lapak.sync.protocol import Connector, OtherShopError, PermanentError
from lapak.sync.store.db import Database
from lapak.sync.store.models import StoreGrant
from lapak.sync.webhooks import Freshness, Intake, Outcome, record_webhook, take_in
from pydantic import SecretStr
from sqlalchemy import select

SHOP_KEYS = ("shop_id", "seller_id")
"""Credential and grant identity keys that name a store's shop on its marketplace."""


@dataclass(frozen=True, slots=True)
class AppStore:
    """A store of the platform an app-level push came to, and the shop ids it is."""

    store_id: int
    connector: Connector
    shops: frozenset[str]


@dataclass(frozen=True, slots=True)
class AppIntake:
    """What became of an app-level delivery: `store_id` is the store that took it in or
    keeps it (None when no store's key verified it)."""

    store_id: int | None
    intake: Intake
    shop: str | None = None


def store_shops(
    db: Database, configured: Mapping[int, Mapping[str, Any]]
) -> dict[int, frozenset[str]]:
    """The shop ids of each store: per key of `SHOP_KEYS`, its grant's value, else its
    configured credential's (`configured`: store id -> credential values)."""
    with db.session() as session:
        grants = dict(
            session.execute(
                select(StoreGrant.store_id, StoreGrant.identity).where(
                    StoreGrant.store_id.in_(list(configured))
                )
            ).all()
        )
    shops = {}
    for store_id, credentials in configured.items():
        identity = json.loads(grants[store_id]) if store_id in grants else {}
        ids = (identity.get(key, credentials.get(key)) for key in SHOP_KEYS)
        shops[store_id] = frozenset(str(value) for value in ids if _plain(value))
    return shops


def _plain(value: Any) -> bool:
    return value is not None and value != "" and not isinstance(value, SecretStr)


def take_in_app(
    db: Database,
    stores: Sequence[AppStore],
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    freshness: Freshness | None = None,
    now: datetime | None = None,
) -> AppIntake:
    """Verify one delivery to an app-level URL (`url`, the URL the platform signed), find
    its store among `stores` (every store of the platform) and take it in there."""
    verifier = next(
        (store for store in stores if store.connector.verify_webhook(url, headers, body)), None
    )
    if verifier is None:
        return AppIntake(None, Intake(Outcome.UNSIGNED, reason="bad or missing signature"))
    try:
        shop = verifier.connector.parse_webhook(body, headers).shop
    except OtherShopError as other:
        shop = other.shop
    except PermanentError:  # unparsable: the verifying store keeps it, as /webhooks/{store}
        return _taken(db, verifier, url, headers, body, freshness, now, None)
    if shop is None:
        siblings = [s for s in stores if s is not verifier]
        if not any(s.connector.verify_webhook(url, headers, body) for s in siblings):
            return _taken(db, verifier, url, headers, body, freshness, now, None)
        return _unrouted(db, verifier, body, None, "names no shop, and its app has several stores")
    target = _store_of(stores, shop)
    if target is None:
        return _unrouted(db, verifier, body, shop, f"for shop {shop[:40]!r}, which no store is")
    return _taken(db, target, url, headers, body, freshness, now, shop)


def _store_of(stores: Iterable[AppStore], shop: str) -> AppStore | None:
    return next((store for store in stores if shop in store.shops), None)


def _taken(
    db: Database,
    store: AppStore,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    freshness: Freshness | None,
    now: datetime | None,
    shop: str | None,
) -> AppIntake:
    intake = take_in(
        db, store.store_id, store.connector, url, headers, body, freshness=freshness, now=now
    )
    return AppIntake(store.store_id, intake, shop)


def _unrouted(
    db: Database, verifier: AppStore, body: bytes, shop: str | None, why: str
) -> AppIntake:
    reason = (
        f"refused: pushed to the app-level URL {why}: add the store to the config and "
        "connect it (or set its shop_id / seller_id credential)"
    )
    record_id = record_webhook(db, verifier.store_id, "unrouted", body, error=reason)
    outcome = Outcome.UNROUTED if record_id else Outcome.DUPLICATE
    intake = Intake(outcome, "unrouted", record_id=record_id, reason=reason)
    return AppIntake(verifier.store_id, intake, shop)
