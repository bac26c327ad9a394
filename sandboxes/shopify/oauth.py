"""The sandbox's app install: Shopify's authorization page and the code exchange.

    GET  /admin/oauth/authorize?client_id&scope&redirect_uri&state
         "Install Lapak on <shop>?" — the shop whose installed app has this Client ID (the
         sandbox serves many shops on one host; a real shop's host names it), one button a
         shop when several share the app
    POST /admin/oauth/authorize   (the merchant clicks Install)
         a one-time code (`AUTH_CODE_SECONDS`), then 303 to redirect_uri with
         code, hmac, host, shop, state, timestamp — `hmac` signed with the app's client
         secret exactly as Shopify does (connectors.shopify.signing)
    POST /admin/oauth/access_token  {client_id, client_secret, code} (JSON or form)
         → {"access_token", "scope"}: the shop's offline token, for that code only, once

Shopify checks `redirect_uri` against the app's allowed URLs; the sandbox takes any
http(s) URL. Refusals are plain pages with Shopify's "Oauth error" wording (UNCONFIRMED
beyond the prefix).
"""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import parse_qsl, urlencode, urlsplit

from lapak.connectors.shopify import signing
from lapak.sandboxes.shopify.sandbox import ShopifySandbox
from lapak.sandboxes.shopify.state import Shop
from lapak.sandboxes.shopify.wire import JSONBody
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

AUTHORIZE_PATH = "/admin/oauth/authorize"
TOKEN_PATH = "/admin/oauth/access_token"
PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
</head><body><main>{body}</main></body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=html.escape(title), body=body), status_code=status)


def _error(message: str) -> HTMLResponse:
    text = f"<h1>Oauth error invalid_request: {html.escape(message)}</h1>"
    return _page("Oauth error", text, 400)


def _shops_of(sandbox: ShopifySandbox, client_id: str) -> list[Shop]:
    return [shop for shop in sandbox.shops.values() if client_id and shop.client_id == client_id]


def _checked(sandbox: ShopifySandbox, fields: dict[str, str]) -> list[Shop] | HTMLResponse:
    """The shops this install request may go to, or the error page it gets."""
    shops = _shops_of(sandbox, fields.get("client_id", ""))
    if not shops:
        return _error("The client_id is not an app installed on this sandbox")
    target = urlsplit(fields.get("redirect_uri", ""))
    if target.scheme not in ("http", "https") or not target.netloc:
        return _error("The redirect_uri is missing or not an http(s) URL")
    return shops


def _install_form(shop: Shop, fields: dict[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in fields.items()
        if name in ("client_id", "scope", "redirect_uri", "state")
    )
    return (
        f'<form method="post" action="{AUTHORIZE_PATH}">{hidden}'
        f'<input type="hidden" name="shop" value="{html.escape(shop.domain)}">'
        f"<h1>Install Lapak on {html.escape(shop.domain)}?</h1>"
        f"<button>Install app</button></form>"
    )


async def authorize(sandbox: ShopifySandbox, request: Request) -> Response:
    if request.method == "GET":
        fields = dict(request.query_params)
        with sandbox.lock:
            shops = _checked(sandbox, fields)
            if isinstance(shops, Response):
                return shops
            scopes = "".join(
                f"<li>{html.escape(scope)}</li>" for scope in fields.get("scope", "").split(",")
            )
            forms = "".join(_install_form(shop, fields) for shop in shops)
        return _page("Install app", f"{forms}<p>The app asks to:</p><ul>{scopes}</ul>")
    fields = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    with sandbox.lock:
        shops = _checked(sandbox, fields)
        if isinstance(shops, Response):
            return shops
        shop = next((s for s in shops if s.domain == fields.get("shop")), None)
        if shop is None:
            return _error("The shop is not one this app is installed on")
        code = sandbox.issue_auth_code(shop.name, fields.get("scope", ""))
        slug = shop.domain.removesuffix(".myshopify.com")
        query = {
            "code": code,
            "host": base64.b64encode(f"admin.shopify.com/store/{slug}".encode()).decode(),
            "shop": shop.domain,
            "state": fields.get("state", ""),
            "timestamp": str(sandbox.clock.now_s()),
        }
        query["hmac"] = signing.oauth_hmac(shop.client_secret, query)
    target = fields["redirect_uri"]
    joiner = "&" if urlsplit(target).query else "?"
    return RedirectResponse(f"{target}{joiner}{urlencode(query)}", status_code=303)


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
            # UNCONFIRMED body; the OAuth guide only says the code is single use.
            return JSONBody(
                {
                    "error": "invalid_request",
                    "error_description": "The authorization code was not found or was already used",
                },
                status_code=400,
            )
        token = sandbox.shop(granted.shop).access_token
    return JSONBody({"access_token": token, "scope": granted.scope})
