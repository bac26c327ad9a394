"""Lazada's seller authorization page: GET/POST /oauth/authorize (on auth.lazada.com).

The link (Lazada's "Seller authorization introduction"): `/oauth/authorize?response_type=
code&force_auth=true&redirect_uri&client_id[&state]`, `client_id` being the app key. After
the seller authorizes, Lazada sends the browser to `redirect_uri` with `code` (and the
link's `state`, unchanged). The code "is valid for half an hour and can only be used once"
(api_auth.py); /auth/token/create exchanges it.
"""

from __future__ import annotations

from lapak.sandboxes.kit.consent import (
    SHOP_FIELD,
    consent_page,
    form_of,
    redirect_with,
    refusal,
    valid_redirect,
)
from lapak.sandboxes.lazada.sandbox import LazadaSandbox
from starlette.requests import Request
from starlette.responses import Response

PATH = "/oauth/authorize"
LINK_FIELDS = ("response_type", "force_auth", "client_id", "redirect_uri", "state")


async def authorize(request: Request) -> Response:
    sandbox: LazadaSandbox = request.app.sandbox
    fields = dict(request.query_params) if request.method == "GET" else await form_of(request)
    link = {key: fields[key] for key in LINK_FIELDS if key in fields}
    app_key = link.get("client_id", "")
    if link.get("response_type") != "code":
        return refusal("Lazada", "response_type must be code")
    if not valid_redirect(link.get("redirect_uri", "")):
        return refusal("Lazada", "the link has no valid redirect_uri")
    with sandbox.lock:
        if app_key not in sandbox.apps:
            return refusal("Lazada", f"no app with client_id {app_key!r}", 404)
        sellers = [(s.seller_id, s.name) for s in sandbox.sellers.values() if s.app_key == app_key]
    if request.method == "GET":
        return consent_page(
            platform="Lazada", app=f"app {app_key}", action=PATH, hidden=link, shops=sellers
        )
    chosen = fields.get(SHOP_FIELD, "")
    if chosen not in {seller_id for seller_id, _ in sellers}:
        return refusal("Lazada", f"no seller {chosen!r} of app {app_key}", 404)
    code = sandbox.issue_auth_code(chosen)
    answer = {"code": code}
    if "state" in link:
        answer["state"] = link["state"]
    return redirect_with(link["redirect_uri"], answer)
