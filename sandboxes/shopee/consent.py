"""Shopee's seller authorization page: GET/POST /api/v2/shop/auth_partner.

The link (Shopee's authorization guide) is `/api/v2/shop/auth_partner?partner_id&timestamp
&sign&redirect=`, signed the public way (partner_id + path + timestamp) and good while its
timestamp is within the API's 5-minute window. After the seller authorizes, Shopee sends the
browser to `redirect` with `code` and `shop_id` added (no `state`: an app keeps its own in
the redirect URL's query). The code is single use and lives 10 minutes (api_auth.py).
"""

from __future__ import annotations

from lapak.sandboxes.kit.consent import consent_answer, link_fields, refusal, valid_redirect
from lapak.sandboxes.shopee.gate import authenticate
from lapak.sandboxes.shopee.sandbox import ShopeeSandbox
from lapak.sandboxes.shopee.wire import ShopeeError
from starlette.requests import Request
from starlette.responses import Response

PATH = "/api/v2/shop/auth_partner"
LINK_FIELDS = ("partner_id", "timestamp", "sign", "redirect")


async def authorize(request: Request) -> Response:
    sandbox: ShopeeSandbox = request.app.sandbox
    fields = await link_fields(request)
    link = {key: fields.get(key, "") for key in LINK_FIELDS}
    if not valid_redirect(link["redirect"]):
        return refusal("Shopee", "the link has no valid redirect URL")
    try:
        with sandbox.lock:
            caller = authenticate(sandbox, PATH, link, check_time=request.method == "GET")
            shops = [
                (str(s.shop_id), s.name)
                for s in sandbox.stores.values()
                if s.partner_id == caller.partner_id
            ]
    except ShopeeError as refused:
        return refusal("Shopee", f"{refused.error}: {refused.message}")
    return consent_answer(
        request,
        fields,
        platform="Shopee",
        app=f"partner {caller.partner_id}",
        action=PATH,
        link=link,
        shops=shops,
        issue_code=lambda shop_id: {
            "code": sandbox.issue_auth_code(int(shop_id)),
            "shop_id": shop_id,
        },
        redirect=link["redirect"],
    )
