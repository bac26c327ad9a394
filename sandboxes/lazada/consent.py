"""Lazada's seller authorization page: GET/POST /oauth/authorize (on auth.lazada.com).

The link (Lazada's "Seller authorization introduction"): `/oauth/authorize?response_type=
code&force_auth=true&redirect_uri&client_id[&state]`, `client_id` being the app key. After
the seller authorizes, Lazada sends the browser to `redirect_uri` with `code` (and the
link's `state`, unchanged). The code "is valid for half an hour and can only be used once"
(api_auth.py); /auth/token/create exchanges it.
"""

from __future__ import annotations

from lapak.sandboxes.kit.consent import consent_answer, link_fields, refusal, valid_redirect
from lapak.sandboxes.lazada.sandbox import LazadaSandbox
from starlette.requests import Request
from starlette.responses import Response

PATH = "/oauth/authorize"
LINK_FIELDS = ("response_type", "force_auth", "client_id", "redirect_uri", "state")


async def authorize(request: Request) -> Response:
    sandbox: LazadaSandbox = request.app.sandbox
    fields = await link_fields(request)
    link = {key: fields[key] for key in LINK_FIELDS if key in fields}
    app_key = link.get("client_id", "")
    if link.get("response_type") != "code":
        return refusal("Lazada", "response_type must be code")
    if not valid_redirect(link.get("redirect_uri", "")):
        return refusal("Lazada", "the link has no valid redirect_uri")
    with sandbox.lock:
        if app_key not in sandbox.apps:
            return refusal("Lazada", f"no app with client_id {app_key!r}", 404)
        sellers = [(s.seller_id, s.name) for s in sandbox.stores.values() if s.app_key == app_key]
    return consent_answer(
        request,
        fields,
        platform="Lazada",
        app=f"app {app_key}",
        action=PATH,
        link=link,
        shops=sellers,
        issue_code=lambda seller_id: {
            "code": sandbox.issue_auth_code(seller_id),
            **({"state": link["state"]} if "state" in link else {}),
        },
        redirect=link["redirect_uri"],
    )
