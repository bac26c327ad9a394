"""The operators' pages under `/ops/`: what is failing, why, and a button to retry it.

Behind the operator token (`[lapak] operator_token_env`; `web.sessions.current_operator`:
a sign-in cookie or `Authorization: Bearer`). A program without credentials gets 401, a
browser is sent to sign in; a reseller gets 403. Everything comes from `sync.ops`:

- `/ops/`: every store's sync state (listings in sync, dirty, failed; last push and pull;
  last error; sync lag; webhooks waiting or refused) and connection (connected or not,
  token and refresh-token expiry with a warning days before the refresh token dies, a
  Connect / Reconnect button to `/ops/connect/{store}`: `sync.store_overview`);
- `/ops/listings`: the listings a marketplace refused, with its error, and "push again";
- `/ops/dead-letters`: jobs that ran out of retries, each with a retry button (the replay
  `lapak jobs retry` does: `sync.ops.retry_dead_letter`; 404 unknown, 409 already retried);
- `/ops/events`: the job event log, filtered by store, actor and outcome, paged back;
- `/ops/webhooks`: verified webhooks kept with an error (stale, unparsable);
- `/ops/strays`: items on a store carrying a bound SKU that are not the bound listing
  (`sync.strays`), with their stock zeroed or only reported;
- `/ops/oversold`: orders that took units beyond what was available, each with the orders
  competing for the same units (`sync.oversold`).

A POST answers a browser with a 303 back and a flash message (or the page with 404/409
and the reason), a program with JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from lapak.sync import ops, strays
from lapak.sync.i18n import N_, translations, using_language
from lapak.sync.i18n import gettext as _
from lapak.sync.oversold import oversold_orders
from lapak.sync.store.models import utcnow
from lapak.sync.store_overview import StoreOverview, complete_credentials, store_overview
from lapak.web.ids import EventIdQuery, RowId, parse_row_id
from lapak.web.sessions import (
    OPERATOR_HOME,
    CurrentOperator,
    dispatcher_of,
    language_of,
    read_form,
    redirect,
    render_page,
    runtime_of,
    templates,
    translator,
    wants_html,
)
from starlette.concurrency import run_in_threadpool

router = APIRouter(prefix="/ops", include_in_schema=False)

NAV = (  # labels translated where shown (`label` filter)
    ("stores", "/ops/", N_("Stores")),
    ("listings", "/ops/listings", N_("Failed listings")),
    ("dead", "/ops/dead-letters", N_("Dead letters")),
    ("events", "/ops/events", N_("Job log")),
    ("webhooks", "/ops/webhooks", N_("Webhooks")),
    ("strays", "/ops/strays", N_("Stray listings")),
    ("oversold", "/ops/oversold", N_("Oversold")),
)
OUTCOMES = ("ok", "retry", "error")


def span(seconds: float) -> str:
    """A duration, roughly, in the current language: "12 s", "4 min", "3 h", "2 d"
    ("12 dtk", "4 mnt", "3 jam", "2 hr")."""
    whole = int(seconds)
    if whole < 90:
        return _("%(n)d s") % {"n": whole}
    if whole < 90 * 60:
        return _("%(n)d min") % {"n": whole // 60}
    if whole < 36 * 3600:
        return _("%(n)d h") % {"n": whole // 3600}
    return _("%(n)d d") % {"n": whole // 86400}


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """ "12 s ago", "4 min ago" ("in 5 min" ahead); "never" for None."""
    if value is None:
        return _("never")
    seconds = ((now or utcnow()) - value).total_seconds()
    if seconds >= 0:
        return _("%(span)s ago") % {"span": span(seconds)}
    return _("in %(span)s") % {"span": span(-seconds)}


templates.env.filters["ago"] = ago
templates.env.filters["span"] = lambda seconds: span(seconds) if seconds and seconds > 0 else "-"


def _page(request: Request, template: str, nav: str, status_code: int = 200, **context: Any):
    context.update(ops_nav=NAV, ops_current=nav)
    return render_page(request, f"operator/{template}", context, status_code=status_code)


def _store_id(request: Request, name: str | None) -> int | None:
    """The id of the store named in a filter; 404 for a store the config does not have."""
    if not name:
        return None
    store_id = runtime_of(request).store_ids.get(name)
    if store_id is None:
        raise HTTPException(404, f"no store named {name!r}")
    return store_id


@router.get("/")
async def stores(request: Request, operator: CurrentOperator) -> Response:
    db = runtime_of(request).db
    states = await run_in_threadpool(ops.store_states, db)
    dead = await run_in_threadpool(ops.dead_letters, db)
    totals = {
        "stores": len(states),
        "failed": sum(s.failed for s in states),
        "dirty": sum(s.dirty for s in states),
        "dead": len(dead),
        "refused": sum(s.webhooks_refused for s in states),
    }
    complete = complete_credentials(runtime_of(request).config.stores)
    language = language_of(request) if wants_html(request) else "en"  # programs read English

    def overview_in(language: str) -> list[StoreOverview]:
        with using_language(language):  # the refresh warnings are worded here
            return store_overview(db, complete)

    overview = await run_in_threadpool(overview_in, language)
    connections = {c.name: c for c in overview}
    if not wants_html(request):
        rows = [_jsonable(s) | _connection_json(connections.get(s.name)) for s in states]
        return JSONResponse({"stores": rows, "totals": totals})
    return _page(
        request, "stores.html", "stores", states=states, totals=totals, connections=connections
    )


def _connection_json(connection: StoreOverview | None) -> dict[str, Any]:
    """What the stores page adds to a store's sync state: connected or not, by what, when it
    was authorized, the refresh-token warning and where to (re)connect it."""
    if connection is None:
        return {}
    return {
        "connected": connection.connected,
        "connected_by": connection.connected_by,
        "granted_at": _jsonable(connection.granted_at),
        "refresh_warning": connection.refresh_warning,
        "connect_url": f"/ops/connect/{connection.name}",
    }


@router.get("/listings")
async def listings(
    request: Request, operator: CurrentOperator, store: str | None = None
) -> Response:
    store_id = _store_id(request, store)
    rows = await run_in_threadpool(
        lambda: ops.failed_listings(runtime_of(request).db, store_id=store_id)
    )
    if not wants_html(request):
        return JSONResponse({"listings": [_jsonable(r) for r in rows]})
    return _page(
        request,
        "listings.html",
        "listings",
        rows=rows,
        store=store or "",
        store_names=sorted(runtime_of(request).store_ids),
    )


@router.post("/listings/retry")
async def retry_listings(request: Request, operator: CurrentOperator) -> Response:
    """Push failed listings again: one (`listing`), a store's (`store`) or every one."""
    form = await read_form(request) if wants_html(request) else dict(request.query_params)
    store_id = _store_id(request, form.get("store"))
    listing = form.get("listing")
    listing_id = parse_row_id(listing)
    if listing is not None and listing_id is None:
        raise HTTPException(422, "listing must be a listing id")
    count = await run_in_threadpool(
        lambda: ops.retry_listings(
            runtime_of(request).db,
            dispatcher_of(request),
            listing_ids=[listing_id] if listing_id else None,
            store_id=store_id,
        )
    )
    if listing and not count:
        not_failed = N_("listing %(listing)s is not a failed listing")
        return _refused(request, 404, not_failed, "/ops/listings", listing=listing)
    ngettext = translations(language_of(request)).ngettext
    message = ngettext(
        "%(count)d listing will be pushed again.", "%(count)d listings will be pushed again.", count
    ) % {"count": count}
    if not wants_html(request):
        return JSONResponse({"retried": count})
    target = f"/ops/listings?store={form['store']}" if form.get("store") else "/ops/listings"
    return redirect(request, target, message, "ok")


@router.get("/dead-letters")
async def dead_letters(request: Request, operator: CurrentOperator, all: bool = False) -> Response:
    rows = await run_in_threadpool(
        lambda: ops.dead_letters(runtime_of(request).db, include_retried=all)
    )
    if not wants_html(request):
        return JSONResponse({"dead_letters": [_jsonable(r) for r in rows]})
    return _page(request, "dead_letters.html", "dead", rows=rows, show_all=all,
                 store_names=_names_by_id(request))  # fmt: skip


@router.post("/dead-letters/{dead_letter_id}/retry")
async def retry_dead_letter(
    request: Request, dead_letter_id: RowId, operator: CurrentOperator
) -> Response:
    send: ops.Send | None = request.app.state.send_job
    if send is None:  # an app built without a job sender (tests of other pages)
        return _refused(request, 503, "%(reason)s", "/ops/dead-letters", reason="no job sender")
    try:
        view = await run_in_threadpool(
            ops.retry_dead_letter, runtime_of(request).db, dead_letter_id, send
        )
    except ops.OpsError as refused:
        status = 404 if refused.kind == "not_found" else 409
        return _refused(request, status, "%(reason)s", "/ops/dead-letters", reason=str(refused))
    _ = translator(request)
    message = _("%(job)s sent again.") % {"job": f"{view.actor}{view.args}"}
    if not wants_html(request):
        return JSONResponse({"retried": _jsonable(view)})
    return redirect(request, "/ops/dead-letters", message, "ok")


@router.get("/events")
async def events(
    request: Request,
    operator: CurrentOperator,
    store: str | None = None,
    actor: str | None = None,
    outcome: str | None = None,
    before: EventIdQuery = None,
) -> Response:
    store_id = _store_id(request, store)
    for name, value, allowed in (("actor", actor, ops.JOB_ACTORS), ("outcome", outcome, OUTCOMES)):
        if value and value not in allowed:
            unknown = N_("Unknown %(name)s %(value)r: use one of %(allowed)s.")
            return _refused(
                request,
                422,
                unknown,
                "/ops/events",
                name=name,
                value=value,
                allowed=", ".join(allowed),
            )
    db = runtime_of(request).db
    rows = await run_in_threadpool(
        lambda: ops.job_events(
            db, store_id=store_id, actor=actor or None, outcome=outcome or None, before_id=before
        )
    )
    if not wants_html(request):
        return JSONResponse({"events": [_jsonable(r) for r in rows]})
    filters = await run_in_threadpool(ops.event_filters, db)
    query = {"store": store or "", "actor": actor or "", "outcome": outcome or ""}
    older = rows[-1].id if len(rows) == ops.EVENT_PAGE else None
    return _page(
        request,
        "events.html",
        "events",
        rows=rows,
        query=query,
        older=older,
        store_names=sorted(runtime_of(request).store_ids),
        actors=filters.actors,
        outcomes=sorted(set(filters.outcomes) | set(OUTCOMES)),
    )


@router.get("/webhooks")
async def webhooks(request: Request, operator: CurrentOperator) -> Response:
    rows = await run_in_threadpool(ops.webhook_problems, runtime_of(request).db)
    if not wants_html(request):
        return JSONResponse({"webhooks": [_jsonable(r) for r in rows]})
    return _page(request, "webhooks.html", "webhooks", rows=rows)


@router.get("/strays")
async def stray_listings(request: Request, operator: CurrentOperator) -> Response:
    rows = await run_in_threadpool(strays.stray_listings, runtime_of(request).db)
    if not wants_html(request):
        return JSONResponse({"strays": [_jsonable(r) for r in rows]})
    return _page(request, "strays.html", "strays", rows=rows)


@router.get("/oversold")
async def oversold(request: Request, operator: CurrentOperator, all: bool = False) -> Response:
    rows = await run_in_threadpool(
        lambda: oversold_orders(runtime_of(request).db, open_only=not all)
    )
    if not wants_html(request):
        return JSONResponse({"oversold": [_jsonable(r) for r in rows]})
    return _page(request, "oversold.html", "oversold", rows=rows, all=all)


# --- helpers ------------------------------------------------------------------------------------


def _refused(request: Request, status: int, message: str, back: str, **values: Any) -> Response:
    """`message` (a msgid with `values`): in English as JSON's `detail` for a program, in the
    page's language for a person."""
    if not wants_html(request):
        return JSONResponse({"detail": message % values}, status_code=status)
    shown = translator(request)(message) % values
    return _page(request, "refused.html", "", status_code=status, message=shown, back=back)


def _names_by_id(request: Request) -> dict[int, str]:
    return {store_id: name for name, store_id in runtime_of(request).store_ids.items()}


def _jsonable(view: Any) -> Any:
    if isinstance(view, tuple):
        return [_jsonable(item) for item in view]
    if isinstance(view, datetime):
        return view.isoformat()
    if not hasattr(view, "__slots__"):
        return view
    return {name: _jsonable(getattr(view, name)) for name in view.__slots__}


__all__ = ["OPERATOR_HOME", "router"]
