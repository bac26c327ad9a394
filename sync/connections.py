"""Store connections: the single-use `state` of an authorization link and what it granted.

Connecting a store (docs/connect.md) is the platform's own seller authorization: Lapak hands
out a link carrying a random `state`, the seller authorizes on the marketplace, the
marketplace sends the browser back with a code (or, for WooCommerce, posts the keys), and the
plugin's `Authorization.complete` turns that into a `Grant`. This module keeps both ends in
the database, where every process sees them:

- a state is stored only as its SHA-256 digest, is good for `STATE_TTL`, and is taken once:
  a replayed or forged callback finds nothing;
- a grant's tokens go to the `tokens` table (the vault renews them from there), its lasting
  secrets are sealed with the tokens' key, and its ids are kept in clear. None of it is
  ever written to the config or a log.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lapak.sync.sealing import Sealer
from lapak.sync.store.db import Database
from lapak.sync.store.models import ConnectRequest, StoreGrant, Token, utcnow
from lapak.sync.types import Grant
from sqlalchemy import delete, select, update

STATE_TTL = timedelta(minutes=30)
"""How long an authorization link stays good (TikTok's codes live 30 minutes too)."""


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def new_state(db: Database, store_id: int) -> str:
    """A fresh random `state` for one authorization link of `store_id`."""
    state = secrets.token_urlsafe(24)
    now = utcnow()
    with db.session() as session:
        session.execute(delete(ConnectRequest).where(ConnectRequest.created_at < now - STATE_TTL))
        session.add(ConnectRequest(state_digest=_digest(state), store_id=store_id, created_at=now))
    return state


def take_state(db: Database, state: str) -> int | None:
    """The store a `state` was handed out for, once: None when unknown, used or expired."""
    if not state:
        return None
    now = utcnow()
    with db.session() as session:
        taken = session.execute(
            update(ConnectRequest)
            .where(
                ConnectRequest.state_digest == _digest(state),
                ConnectRequest.used_at.is_(None),
                ConnectRequest.created_at >= now - STATE_TTL,
            )
            .values(used_at=now)
            .returning(ConnectRequest.store_id)
        ).scalar_one_or_none()
    return taken


def peek_state(db: Database, state: str) -> int | None:
    """The store of a `state` that is still good, without taking it."""
    if not state:
        return None
    with db.session() as session:
        return session.execute(
            select(ConnectRequest.store_id).where(
                ConnectRequest.state_digest == _digest(state),
                ConnectRequest.used_at.is_(None),
                ConnectRequest.created_at >= utcnow() - STATE_TTL,
            )
        ).scalar_one_or_none()


def completed_by(db: Database, state: str) -> int | None:
    """The store whose authorization a taken `state` completed (its grant was saved after
    the state was taken), None otherwise. For a browser sent back after the platform
    posted the grant server to server (WooCommerce): that post took the state."""
    if not state:
        return None
    with db.session() as session:
        return session.execute(
            select(ConnectRequest.store_id)
            .join(StoreGrant, StoreGrant.store_id == ConnectRequest.store_id)
            .where(
                ConnectRequest.state_digest == _digest(state),
                ConnectRequest.used_at.is_not(None),
                ConnectRequest.created_at >= utcnow() - STATE_TTL,
                StoreGrant.granted_at >= ConnectRequest.used_at,
            )
        ).scalar_one_or_none()


def save_grant(db: Database, sealer: Sealer, store_id: int, grant: Grant) -> None:
    """Keep what an authorization gave: tokens in the vault's table, the rest beside them.

    A new grant replaces the old one whole (reconnecting a store starts from the new
    authorization: its tokens, ids and keys)."""
    now = utcnow()
    with db.session() as session:
        row = session.get(StoreGrant, store_id)
        if row is None:
            row = StoreGrant(store_id=store_id)
            session.add(row)
        row.identity = json.dumps(grant.identity, sort_keys=True)
        row.secrets = sealer.seal(json.dumps(grant.secrets, sort_keys=True))
        row.granted_at = now
        token = session.get(Token, store_id)
        if grant.token is None:
            if token is not None:
                session.delete(token)
            return
        if token is None:
            token = Token(store_id=store_id)
            session.add(token)
        token.access_token = sealer.seal(grant.token.access_token)
        token.refresh_token = sealer.seal(grant.token.refresh_token)
        token.expires_at = grant.token.expires_at
        token.refresh_expires_at = grant.token.refresh_expires_at


@dataclass(frozen=True, slots=True)
class StoredGrant:
    """A store's grant as kept: ids and lasting secrets (tokens stay with the vault)."""

    identity: dict[str, str]
    secrets: dict[str, str]
    granted_at: datetime


def load_grant(db: Database, sealer: Sealer, store_id: int) -> StoredGrant | None:
    with db.session() as session:
        row = session.get(StoreGrant, store_id)
        if row is None:
            return None
        identity, sealed, granted_at = row.identity, row.secrets, row.granted_at
    opened = json.loads(sealer.open(sealed).text) if sealed else {}
    return StoredGrant(identity=json.loads(identity), secrets=opened, granted_at=granted_at)


def granted_credentials(configured: Mapping[str, Any], grant: StoredGrant | None) -> dict[str, Any]:
    """The credential values a connector is made with: the config's app keys, and what the
    store's authorization granted over them (a reconnected store uses its new ids)."""
    if grant is None:
        return dict(configured)
    return {**configured, **grant.identity, **grant.secrets}


def grant_times(db: Database) -> dict[int, datetime]:
    """When each store with a grant was last authorized."""
    with db.session() as session:
        rows = session.execute(select(StoreGrant.store_id, StoreGrant.granted_at)).all()
    return {store_id: granted_at for store_id, granted_at in rows}


def granted_at(db: Database, store_id: int) -> datetime | None:
    """When the store was last authorized (None: never): tells a process its cached
    connector was made before the store's current grant."""
    with db.session() as session:
        return session.execute(
            select(StoreGrant.granted_at).where(StoreGrant.store_id == store_id)
        ).scalar_one_or_none()
