"""TikTok Shop's seller authorization page: GET/POST /open/authorize (services.tiktokshop.com).

The link (TikTok Shop's authorization guide, 202309): `/open/authorize?service_id&state`,
`service_id` being the app's service in Partner Center. TikTok sends the seller back to
the redirect URL registered for the app, with `code` and the link's `state`. The sandbox
has no Partner Center: it sends the browser to the link's own `redirect_uri` (Lapak's link
names it; TikTok reads the registered one). The code "expires in 30 minutes and can only
be used once" (api_auth.py); GET /api/v2/token/get exchanges it.
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
from lapak.sandboxes.tiktok.sandbox import TikTokSandbox
from starlette.requests import Request
from starlette.responses import Response

PATH = "/open/authorize"
LINK_FIELDS = ("service_id", "state", "redirect_uri")


async def authorize(request: Request) -> Response:
    sandbox: TikTokSandbox = request.app.sandbox
    fields = dict(request.query_params) if request.method == "GET" else await form_of(request)
    link = {key: fields[key] for key in LINK_FIELDS if key in fields}
    service_id = link.get("service_id", "")
    if not valid_redirect(link.get("redirect_uri", "")):
        return refusal("TikTok Shop", "no redirect URL is registered for this service")
    with sandbox.lock:
        app_key = sandbox.services.get(service_id)
        if app_key is None:
            return refusal("TikTok Shop", f"no service with service_id {service_id!r}", 404)
        shops = [(s.name, s.name) for s in sandbox.stores.values() if s.app_key == app_key]
    if request.method == "GET":
        return consent_page(
            platform="TikTok Shop", app=f"app {app_key}", action=PATH, hidden=link, shops=shops
        )
    chosen = fields.get(SHOP_FIELD, "")
    if chosen not in {name for name, _ in shops}:
        return refusal("TikTok Shop", f"no shop {chosen!r} of app {app_key}", 404)
    code = sandbox.issue_auth_code(chosen)
    answer = {"code": code}
    if "state" in link:
        answer["state"] = link["state"]
    return redirect_with(link["redirect_uri"], answer)
