"""Shopee's seller authorization page: GET/POST /api/v2/shop/auth_partner.

The link (Shopee's authorization guide) is `/api/v2/shop/auth_partner?partner_id&timestamp
&sign&redirect=`, signed the public way (partner_id + path + timestamp) and good while its
timestamp is within the API's 5-minute window. After the seller authorizes, Shopee sends the
browser to `redirect` with `code` and `shop_id` added (no `state`: an app keeps its own in
the redirect URL's query). The code is single use and lives 10 minutes (api_auth.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from lapak.sandboxes.kit.consent import ConsentPage, ConsentRefused, Grant, valid_redirect
from lapak.sandboxes.shopee.gate import authenticate
from lapak.sandboxes.shopee.sandbox import ShopeeSandbox
from lapak.sandboxes.shopee.wire import ShopeeError
from starlette.requests import Request

PATH = "/api/v2/shop/auth_partner"
LINK_FIELDS = ("partner_id", "timestamp", "sign", "redirect")


def grant(request: Request, link: Mapping[str, str]) -> Grant:
    sandbox: ShopeeSandbox = request.app.sandbox
    if not valid_redirect(link.get("redirect", "")):
        raise ConsentRefused("the link has no valid redirect URL")
    try:
        with sandbox.lock:
            caller = authenticate(sandbox, PATH, link, check_time=request.method == "GET")
            shops = [
                (str(s.shop_id), s.name)
                for s in sandbox.stores.values()
                if s.partner_id == caller.partner_id
            ]
    except ShopeeError as refused:
        raise ConsentRefused(f"{refused.error}: {refused.message}") from None
    return Grant(f"partner {caller.partner_id}", shops, sandbox.issue_auth_code)


PAGE = ConsentPage("Shopee", PATH, LINK_FIELDS, grant, redirect="redirect", shop_param="shop_id")
