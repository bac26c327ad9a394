"""Lazada's seller authorization page: GET/POST /oauth/authorize (on auth.lazada.com).

The link (Lazada's "Seller authorization introduction"): `/oauth/authorize?response_type=
code&force_auth=true&redirect_uri&client_id[&state]`, `client_id` being the app key. After
the seller authorizes, Lazada sends the browser to `redirect_uri` with `code` (and the
link's `state`, unchanged). The code "is valid for half an hour and can only be used once"
(api_auth.py); /auth/token/create exchanges it.
"""

from __future__ import annotations

from collections.abc import Mapping

from lapak.sandboxes.kit.consent import ConsentPage, ConsentRefused, Grant, valid_redirect
from lapak.sandboxes.lazada.sandbox import LazadaSandbox
from starlette.requests import Request

LINK_FIELDS = ("response_type", "force_auth", "client_id", "redirect_uri", "state")


def grant(request: Request, link: Mapping[str, str]) -> Grant:
    sandbox: LazadaSandbox = request.app.sandbox
    app_key = link.get("client_id", "")
    if link.get("response_type") != "code":
        raise ConsentRefused("response_type must be code")
    if not valid_redirect(link.get("redirect_uri", "")):
        raise ConsentRefused("the link has no valid redirect_uri")
    with sandbox.lock:
        if app_key not in sandbox.apps:
            raise ConsentRefused(f"no app with client_id {app_key!r}", 404)
        sellers = [(s.seller_id, s.name) for s in sandbox.stores.values() if s.app_key == app_key]
    return Grant(f"app {app_key}", sellers, sandbox.issue_auth_code)


PAGE = ConsentPage("Lazada", "/oauth/authorize", LINK_FIELDS, grant, echo=("state",))
