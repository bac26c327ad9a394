"""The demo's stores connected as a seller connects one: through the platform's own
authorization (docs/connect.md), against the sandboxes.

For each store, one generic step: `sync.connect.start` (what `lapak connect` and the
operators' Connect button call) gives the link; `press_authorize` does what the seller's
browser does on the sandbox's page (Authorize, then the redirects back to Lapak's own
`/connect/{store}/callback` on the demo's web port — WooCommerce's sandbox first POSTs the
keys there, server to server); the callback stores the grant. A platform without a seller
step (Tokopedia's client credentials) is finished at once, as `lapak connect` does. A store
that does not end connected stops the demo, named.
"""

from __future__ import annotations

import httpx
from lapak.sandboxes.kit.consent import press_authorize
from lapak.sync import connect
from lapak.sync.connections import granted_at
from lapak.sync.dispatch import Dispatcher
from lapak.sync.i18n import N_, gettext
from lapak.sync.store.models import JobEvent, utcnow
from lapak.wiring.runtime import Runtime
from rich.console import Console
from sqlalchemy import select


class StoreNotConnected(Exception):
    """A demo store its sandbox's authorization did not connect (the message names it)."""


def connect_stores(
    runtime: Runtime, web_url: str, dispatcher: Dispatcher, console: Console
) -> None:
    """Connect every configured store through its authorization, one line printed each."""
    for store in runtime.config.stores:
        how = _connect(runtime, store.name, web_url, dispatcher)
        line = gettext(how) % {"store": store.name, "platform": store.platform}
        console.print(line, markup=False, highlight=False)


THROUGH_PAGE = N_("connected %(store)s (%(platform)s) through its authorization page")
WITH_APP_KEYS = N_(
    "connected %(store)s (%(platform)s) with the app's own keys (the platform has no seller page)"
)
NOT_CONNECTED = N_("%(store)s is not connected: %(error)s")


def _not_connected(store: str, why: str) -> StoreNotConnected:
    return StoreNotConnected(gettext(NOT_CONNECTED) % {"store": store, "error": why})


def _connect(runtime: Runtime, store: str, web_url: str, dispatcher: Dispatcher) -> str:
    """Connect `store`; how it was connected (a marked line, `THROUGH_PAGE` or
    `WITH_APP_KEYS`)."""
    since = utcnow()
    try:
        started = connect.start(runtime, store, base_url=web_url)
        if started.link is None:  # no seller step: done at once
            params = {"state": started.state}
            connect.finish(
                runtime, store, params, redirect_uri=started.redirect_uri, dispatcher=dispatcher
            )
            return WITH_APP_KEYS
        answer = press_authorize(started.link)
    except connect.ConnectError as refused:
        raise StoreNotConnected(refused.message) from None
    except httpx.HTTPError as failed:
        why = gettext("its authorization page could not be used (%(error)s)") % {
            "error": f"{type(failed).__name__}: {failed}"
        }
        raise _not_connected(store, why) from None
    granted = granted_at(runtime.db, runtime.store_ids[store])
    if answer.status_code != 200 or granted is None or granted < since:
        why = _last_error(runtime, store, since) or (
            gettext("the authorization ended on %(url)s with HTTP %(status)d")
            % {"url": answer.url.copy_with(query=None), "status": answer.status_code}
        )
        raise _not_connected(store, why)
    return THROUGH_PAGE


def _last_error(runtime: Runtime, store: str, since: object) -> str | None:
    """The error the store's connection recorded since `since` (its job event), if any."""
    with runtime.db.session() as session:
        return session.scalars(
            select(JobEvent.error)
            .where(
                JobEvent.actor == connect.ACTOR,
                JobEvent.store_id == runtime.store_ids[store],
                JobEvent.outcome == "error",
                JobEvent.at >= since,
            )
            .order_by(JobEvent.at.desc())
        ).first()
