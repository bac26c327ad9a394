"""Every store at a glance: connected or not, its tokens' lifetimes, and its sync state.

What `lapak stores` prints and the operators' stores page adds to `sync.ops.store_states`.
A store is **connected** when Lapak can call its marketplace: it has tokens in the vault
(`tokens`), a seller's authorization (`store_grants`, docs/connect.md), or — for a store
authorized by hand — configured credentials its plugin calls complete (`credentials_complete`).

A refresh token that dies within `REFRESH_WARNING_DAYS` is a warning: the store must be
reconnected before then (Lazada's and TikTok Shop's refresh tokens have a fixed life).
Shopee's rotate: every refresh hands a new one, good for 30 days, so the stored one only
dies when Lapak has not refreshed it for that long (it was not running); its warning says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from lapak.sync.i18n import _, ngettext
from lapak.sync.ops import store_states
from lapak.sync.protocol import ConnectorPlugin
from lapak.sync.store.db import Database
from lapak.sync.store.models import StoreGrant, Token, utcnow
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

REFRESH_WARNING_DAYS = 7
"""A refresh token dying within this many days is shown as a warning."""
ROTATING_REFRESH = frozenset({"shopee"})
"""Platforms whose refresh token is replaced on every use and dies only unused (Shopee's
after 30 days): renewing it needs Lapak running, not the seller."""


@dataclass(frozen=True, slots=True)
class StoreOverview:
    """One store's connection and sync state (times timezone-aware UTC)."""

    name: str
    platform: str
    enabled: bool
    connected: bool
    connected_by: str | None
    """What makes it connected: "grant" (a seller's authorization), "token" (tokens in the
    vault) or "config" (complete configured credentials); None when not connected."""
    token_expires_at: datetime | None
    refresh_expires_at: datetime | None
    granted_at: datetime | None
    last_push_at: datetime | None
    last_pull_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    refresh_warning: str | None


def credentials_complete(
    model: type[BaseModel], credentials: BaseModel | Mapping[str, Any]
) -> bool:
    """Whether a store's configured credentials are enough to call its marketplace.

    The plugin's credentials model decides: the values must validate, and a model whose
    seller fields are optional (given by `lapak connect` instead) says through a boolean
    `connected` property whether they are all there."""
    values = dict(credentials)
    try:
        validated = model.model_validate(values)
    except ValidationError:
        return False
    connected = getattr(validated, "connected", True)
    return connected if isinstance(connected, bool) else True


class ConfiguredStore(Protocol):
    """A store as the config declares it (`config.StoreConfig`)."""

    @property
    def name(self) -> str: ...
    @property
    def plugin(self) -> ConnectorPlugin: ...
    @property
    def credentials(self) -> BaseModel: ...


def complete_credentials(stores: Iterable[ConfiguredStore]) -> dict[str, bool]:
    """Per configured store: whether its configured credentials alone connect it."""
    return {
        store.name: credentials_complete(store.plugin.credentials_model, store.credentials)
        for store in stores
    }


def refresh_warning(
    platform: str, refresh_expires_at: datetime | None, now: datetime
) -> str | None:
    """The warning for a refresh token that dies within `REFRESH_WARNING_DAYS` (in the
    current language), or None."""
    if refresh_expires_at is None:
        return None
    left = refresh_expires_at - now
    if left > timedelta(days=REFRESH_WARNING_DAYS):
        return None
    expired = left <= timedelta(0)
    if expired:
        when = _("The refresh token has expired.")
    elif not left.days:
        when = _("The refresh token dies today.")
    else:
        when = ngettext(
            "The refresh token dies in %(days)d day.",
            "The refresh token dies in %(days)d days.",
            left.days,
        ) % {"days": left.days}
    if platform not in ROTATING_REFRESH:
        advice = _("Reconnect the store.") if expired else _("Reconnect the store before then.")
        return f"{when} {advice}"
    why = _("Shopee gives a new one at every refresh; an unused one dies after 30 days.")
    advice = (
        _("Reconnect the store.")
        if expired
        else _("Keep Lapak running (it refreshes every few hours) or reconnect the store.")
    )
    return f"{when} {why} {advice}"


def store_overview(
    db: Database, complete: Mapping[str, bool], *, now: datetime | None = None
) -> list[StoreOverview]:
    """Every store of the database, by name. `complete`: per store name, whether its
    configured credentials are complete (`credentials_complete`); a store missing from it
    (no longer in the config) counts as not."""
    now = now or utcnow()
    with db.session() as session:
        with_tokens = set(session.scalars(select(Token.store_id)))
        granted = dict(session.execute(select(StoreGrant.store_id, StoreGrant.granted_at)).all())
    overview = []
    for state in store_states(db, now=now):
        if state.id in granted:
            connected_by: str | None = "grant"
        elif state.id in with_tokens:
            connected_by = "token"
        elif complete.get(state.name, False):
            connected_by = "config"
        else:
            connected_by = None
        overview.append(
            StoreOverview(
                name=state.name,
                platform=state.platform,
                enabled=state.enabled,
                connected=connected_by is not None,
                connected_by=connected_by,
                token_expires_at=state.token_expires_at,
                refresh_expires_at=state.refresh_expires_at,
                granted_at=granted.get(state.id),
                last_push_at=state.last_push_at,
                last_pull_at=state.last_pull_at,
                last_error=state.last_error,
                last_error_at=state.last_error_at,
                refresh_warning=refresh_warning(state.platform, state.refresh_expires_at, now),
            )
        )
    return overview
