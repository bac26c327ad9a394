"""Connecting a store: hand out the platform's authorization link, take the seller's answer.

`start` makes a single-use `state` (sync.connections) and asks the store's plugin for its
link, whose redirect is Lapak's `/connect/{store}/callback`. `finish` takes the callback's
parameters: the state must be good and be the store's (it is taken once, so a replayed or
forged callback finds nothing), the plugin exchanges the code (`Authorization.complete`),
the grant is stored (tokens sealed in the vault's table), the process's cached connector
of the store is dropped, the store is asked for a push and a pull so it syncs at once, and
a `connect_store` job event records what happened. The state is read from the parameter
the authorization names (`state_param`: WooCommerce's is `user_id`); where the platform
posts the grant server to server before sending the browser back (WooCommerce), the
browser's return finds its state taken by that post and is answered with the connection
it made (`browser_return`). Every refusal is a `ConnectError` with
a message a seller can act on; no token ever reaches a message or a log line.
See docs/connect.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import structlog
from lapak.sync.connections import completed_by, new_state, peek_state, save_grant, take_state
from lapak.sync.dispatch import Dispatcher, request_pushes
from lapak.sync.i18n import N_, gettext
from lapak.sync.protocol import (
    AuthError,
    Authorization,
    ConnectorError,
    PermanentError,
    StoreSpec,
    TransientError,
)
from lapak.sync.sealing import Sealer
from lapak.sync.store.db import Database
from lapak.sync.store.models import JobEvent, Token

log = structlog.get_logger(__name__)

ACTOR = "connect_store"
"""The job-event actor of a connection (its outcome and error, for operators)."""
CALLBACK_PATH = "/connect/{store}/callback"


class ConnectError(Exception):
    """A connection that cannot go on, in words for the seller. `status` is the HTTP
    status the web answers with (400 bad link, 404 unknown store, 502 platform down).

    The words are a marked message (`N_`) and its values, translated when `message` is
    read: a web page reads it in the browser's language, the CLI in `LAPAK_LANG`'s."""

    def __init__(self, template: str, *, status: int = 400, **values: object):
        super().__init__(template % values if values else template)
        self.template = template
        self.values = values
        self.status = status

    @property
    def message(self) -> str:
        """The message in the current language (`sync.i18n`)."""
        text = gettext(self.template)
        return text % self.values if self.values else text


@dataclass(frozen=True, slots=True)
class ConnectTarget:
    """One configured store as a connection needs it."""

    store_id: int
    spec: StoreSpec
    plugin: Any
    credentials: Mapping[str, Any]
    """The config's values (app keys; a hand-authorized store's ids too)."""


class Connecting(Protocol):
    """What `start`/`finish` need from the process (wiring.runtime.Runtime gives it)."""

    @property
    def db(self) -> Database: ...

    @property
    def sealer(self) -> Sealer: ...

    def connect_target(self, store: str) -> ConnectTarget:
        """The store called `store`; `LookupError` when the config has none."""
        ...

    def connect_target_of(self, store_id: int) -> ConnectTarget: ...

    def forget_connector(self, store_id: int) -> None:
        """Drop the process's cached connector and vault of the store (its grant changed)."""
        ...


@runtime_checkable
class Puller(Protocol):
    """A dispatcher that can also send a pull of a store's orders (jobs.actors')."""

    def pull(self, store_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Started:
    store: str
    link: str | None
    """The link the seller opens; None: the platform has no seller step (done at once)."""
    state: str
    redirect_uri: str


@dataclass(frozen=True, slots=True)
class Connected:
    store: str
    platform: str
    token_expires_at: datetime | None
    """When the access token dies (it is renewed); None: a lasting key."""
    refresh_expires_at: datetime | None


def callback_url(base_url: str, store: str) -> str:
    """Where the platform sends the seller back for `store`."""
    return base_url.rstrip("/") + CALLBACK_PATH.format(store=store)


def authorization_of(target: ConnectTarget) -> Authorization:
    found = getattr(target.plugin, "authorization", None)
    if found is None:
        raise ConnectError(
            N_(
                "%(store)s: Lapak cannot connect a %(platform)s store through an authorization "
                "page: put the store's keys in the config (see config/lapak.example.toml)"
            ),
            store=target.spec.name,
            platform=target.spec.platform,
        )
    return found


def app_key_fields(plugin: Any) -> tuple[str, ...]:
    """The credential fields of `plugin` a config holds: its authorization's `app_keys`;
    all of its credentials when it has no authorization flow (nothing is granted then).
    The one rule `lapak init` and `lapak demo` write credentials by."""
    authorization = getattr(plugin, "authorization", None)
    if authorization is None:
        return tuple(plugin.credentials_model.model_fields)
    return tuple(authorization.app_keys)


def state_param_of(authorization: Authorization) -> str:
    """The callback parameter carrying Lapak's `state` (WooCommerce's is `user_id`)."""
    return str(getattr(authorization, "state_param", "state"))


def _target(runtime: Connecting, store: str) -> ConnectTarget:
    try:
        return runtime.connect_target(store)
    except LookupError:
        raise ConnectError(
            N_("no store named %(store)r in the config (lapak stores lists them)"),
            status=404,
            store=store,
        ) from None


def start(runtime: Connecting, store: str, *, base_url: str) -> Started:
    """A fresh authorization link for `store`, coming back to `base_url`'s callback."""
    target = _target(runtime, store)
    authorization = authorization_of(target)
    redirect_uri = callback_url(base_url, target.spec.name)
    state = new_state(runtime.db, target.store_id)
    try:
        link = authorization.begin(
            target.spec, target.credentials, redirect_uri=redirect_uri, state=state
        )
    except ConnectorError as refused:
        raise ConnectError(
            N_("%(store)s cannot be connected: %(error)s"),
            store=target.spec.name,
            error=str(refused),
        ) from None
    log.info("connect_started", store=target.spec.name, platform=target.spec.platform)
    return Started(target.spec.name, link, state, redirect_uri)


def store_of_state(runtime: Connecting, state: str) -> str | None:
    """The store a still-good `state` was handed out for (the callback without a store in
    its path: one redirect URL registered for every store of an app)."""
    store_id = peek_state(runtime.db, state)
    return None if store_id is None else runtime.connect_target_of(store_id).spec.name


def finish(
    runtime: Connecting,
    store: str,
    params: Mapping[str, str],
    *,
    redirect_uri: str,
    dispatcher: Dispatcher | None = None,
    transport: Any = None,
) -> Connected:
    """Complete `store`'s connection from the callback's `params` (with `state`).

    `dispatcher` sends the store's first push (and pull, when it is a `Puller`); None where
    no worker would run them (a CLI on the embedded default: the running `lapak run`
    finds the store's dirty listings and pulls it on its schedule)."""
    target = _target(runtime, store)
    authorization = authorization_of(target)
    state = params.get(state_param_of(authorization), "")
    owner = peek_state(runtime.db, state)
    if owner is not None and owner != target.store_id:
        raise ConnectError(
            N_(
                "this authorization link was made for another store, not %(store)s: "
                "run lapak connect %(store)s again"
            ),
            store=store,
        )
    if owner is None and _returned(runtime, target, authorization, params, state):
        return _connected(runtime, target)
    if owner is None or take_state(runtime.db, state) != target.store_id:
        raise ConnectError(
            N_(
                "this authorization link for %(store)s was already used or is older than 30 "
                "minutes: run lapak connect %(store)s again (or press Connect once more)"
            ),
            store=store,
        )
    try:
        grant = authorization.complete(
            target.spec,
            target.credentials,
            params,
            redirect_uri=redirect_uri,
            transport=transport,
        )
    except TransientError as down:
        _record(runtime.db, target.store_id, f"could not reach {target.spec.platform}: {down}")
        raise ConnectError(
            N_(
                "%(platform)s could not be reached (%(error)s): run lapak connect %(store)s "
                "again in a minute"
            ),
            status=502,
            platform=target.spec.platform,
            error=str(down),
            store=store,
        ) from None
    except (AuthError, PermanentError) as refused:
        _record(runtime.db, target.store_id, str(refused))
        raise ConnectError(
            N_("%(store)s is not connected: %(error)s"), store=store, error=str(refused)
        ) from None
    save_grant(runtime.db, runtime.sealer, target.store_id, grant)
    runtime.forget_connector(target.store_id)
    _record(runtime.db, target.store_id, None, identity=sorted(grant.identity))
    log.info(
        "store_connected",
        store=target.spec.name,
        platform=target.spec.platform,
        identity=sorted(grant.identity),
    )
    if dispatcher is not None:
        request_pushes(runtime.db, dispatcher, [target.store_id])
        if isinstance(dispatcher, Puller):
            dispatcher.pull(target.store_id)
    token = grant.token
    return Connected(
        store=target.spec.name,
        platform=target.spec.platform,
        token_expires_at=token.expires_at if token else None,
        refresh_expires_at=token.refresh_expires_at if token else None,
    )


def _returned(
    runtime: Connecting,
    target: ConnectTarget,
    authorization: Authorization,
    params: Mapping[str, str],
    state: str,
) -> bool:
    """Whether `params` are the browser coming back after the platform posted the grant to
    the callback server to server (the authorization's `browser_return` says so), and that
    post connected this store with this state."""
    browser_return = getattr(authorization, "browser_return", None)
    return (
        browser_return is not None
        and bool(browser_return(params))
        and completed_by(runtime.db, state) == target.store_id
    )


def _connected(runtime: Connecting, target: ConnectTarget) -> Connected:
    """The store's connection as stored (its token's lifetimes, when it has a token)."""
    with runtime.db.session() as session:
        token = session.get(Token, target.store_id)
        expires = (token.expires_at, token.refresh_expires_at) if token else (None, None)
    return Connected(target.spec.name, target.spec.platform, *expires)


def _record(db: Database, store_id: int, error: str | None, **counts: Any) -> None:
    with db.session() as session:
        session.add(
            JobEvent(
                actor=ACTOR,
                store_id=store_id,
                outcome="error" if error else "ok",
                counts=counts,
                error=error,
            )
        )
