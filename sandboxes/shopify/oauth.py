"""The app install: Shopify's authorization page and its code → token exchange.

    GET  /admin/oauth/authorize?client_id&scope&redirect_uri&state
         "Install Lapak on <shop>?": one Install button per shop whose installed app has
         this Client ID (the sandbox serves many shops on one host)
    POST /admin/oauth/authorize   (the merchant clicks Install)
         303 to redirect_uri with code, hmac, host, shop, state, timestamp; `hmac` signed
         with the app's client secret (docs/MARKETPLACES.md#shopify-auth-and-signing)
    POST /admin/oauth/access_token  {client_id, client_secret, code} (JSON or form)
         → {"access_token", "scope"}: the shop's offline token, once per code

Shopify checks `redirect_uri` against the app's allowed URLs; the sandbox takes any
http(s) URL.
"""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import parse_qsl

from lapak.connectors.shopify import signing
from lapak.sandboxes.kit.consent import form_of, redirect_with, valid_redirect
from lapak.sandboxes.kit.wire import JSONBody
from lapak.sandboxes.shopify.sandbox import ShopifySandbox
from lapak.sandboxes.shopify.state import Shop
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

AUTHORIZE_PATH = "/admin/oauth/authorize"
TOKEN_PATH = "/admin/oauth/access_token"
FORWARDED = ("client_id", "scope", "redirect_uri", "state")
"""The authorization link's fields the install form posts back."""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><main>{body}</main></body></html>"
    )
    return HTMLResponse(page, status_code=status)


def _error(message: str) -> HTMLResponse:
    return _page(
        "Oauth error", f"<h1>Oauth error invalid_request: {html.escape(message)}</h1>", 400
    )


def _checked(sandbox: ShopifySandbox, fields: dict[str, str]) -> list[Shop] | HTMLResponse:
    """The shops this install request may go to, or the error page it gets."""
    client_id = fields.get("client_id", "")
    shops = [shop for shop in sandbox.stores.values() if client_id and shop.client_id == client_id]
    if not shops:
        return _error("The client_id is not an app installed on this sandbox")
    if not valid_redirect(fields.get("redirect_uri", "")):
        return _error("The redirect_uri is missing or not an http(s) URL")
    return shops


def _install_form(shop: Shop, fields: dict[str, str]) -> str:
    hidden = {**{k: v for k, v in fields.items() if k in FORWARDED}, "shop": shop.domain}
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in hidden.items()
    )
    return (
        f'<form method="post" action="{AUTHORIZE_PATH}">{inputs}'
        f"<h1>Install Lapak on {html.escape(shop.domain)}?</h1><button>Install app</button></form>"
    )


async def authorize(sandbox: ShopifySandbox, request: Request) -> Response:
    fields = dict(request.query_params) if request.method == "GET" else await form_of(request)
    with sandbox.lock:
        shops = _checked(sandbox, fields)
        if isinstance(shops, Response):
            return shops
        if request.method == "GET":
            scopes = "".join(
                f"<li>{html.escape(s)}</li>" for s in fields.get("scope", "").split(",")
            )
            forms = "".join(_install_form(shop, fields) for shop in shops)
            return _page("Install app", f"{forms}<p>The app asks to:</p><ul>{scopes}</ul>")
        shop = next((s for s in shops if s.domain == fields.get("shop")), None)
        if shop is None:
            return _error("The shop is not one this app is installed on")
        slug = shop.domain.removesuffix(".myshopify.com")
        query = {
            "code": sandbox.issue_auth_code(shop.name, fields.get("scope", "")),
            "host": base64.b64encode(f"admin.shopify.com/store/{slug}".encode()).decode(),
            "shop": shop.domain,
            "state": fields.get("state", ""),
            "timestamp": str(sandbox.clock.now_s()),
        }
        query["hmac"] = signing.oauth_hmac(shop.client_secret, query)
    return redirect_with(fields["redirect_uri"], query)


async def access_token(sandbox: ShopifySandbox, request: Request) -> Response:
    """Authorization code → offline access token (Session.request_token posts a form)."""
    raw = await request.body()
    try:
        fields = json.loads(raw) if raw.lstrip().startswith(b"{") else dict(parse_qsl(raw.decode()))
    except ValueError:
        fields = {}
    fields = {**dict(request.query_params), **fields}
    with sandbox.lock:
        granted = sandbox.redeem_auth_code(
            str(fields.get("code") or ""),
            str(fields.get("client_id") or ""),
            str(fields.get("client_secret") or ""),
        )
        if granted is None:
            refusal = "The authorization code was not found or was already used"
            body = {"error": "invalid_request", "error_description": refusal}
            return JSONBody(body, status_code=400)
        shop, scope = granted
    return JSONBody({"access_token": shop.access_token, "scope": scope})
