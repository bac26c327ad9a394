"""TikTok Shop's seller authorization page: GET/POST /open/authorize (services.tiktokshop.com).

The link (TikTok Shop's authorization guide, 202309): `/open/authorize?service_id&state`,
`service_id` being the app's service in Partner Center. TikTok sends the seller back to
the redirect URL registered for the app, with `code` and the link's `state`. The sandbox
has no Partner Center: it sends the browser to the link's own `redirect_uri` (Lapak's link
names it; TikTok reads the registered one). The code "expires in 30 minutes and can only
be used once" (api_auth.py); GET /api/v2/token/get exchanges it.
"""

from __future__ import annotations

from lapak.sandboxes.kit.consent import consent_answer, link_fields, refusal, valid_redirect
from lapak.sandboxes.tiktok.sandbox import TikTokSandbox
from starlette.requests import Request
from starlette.responses import Response

PATH = "/open/authorize"
LINK_FIELDS = ("service_id", "state", "redirect_uri")


async def authorize(request: Request) -> Response:
    sandbox: TikTokSandbox = request.app.sandbox
    fields = await link_fields(request)
    link = {key: fields[key] for key in LINK_FIELDS if key in fields}
    service_id = link.get("service_id", "")
    if not valid_redirect(link.get("redirect_uri", "")):
        return refusal("TikTok Shop", "no redirect URL is registered for this service")
    with sandbox.lock:
        app_key = sandbox.services.get(service_id)
        if app_key is None:
            return refusal("TikTok Shop", f"no service with service_id {service_id!r}", 404)
        shops = [(s.name, s.name) for s in sandbox.stores.values() if s.app_key == app_key]
    state = {"state": link["state"]} if "state" in link else {}
    return consent_answer(
        request,
        fields,
        platform="TikTok Shop",
        app=f"app {app_key}",
        action=PATH,
        link=link,
        shops=shops,
        issue_code=lambda name: {"code": sandbox.issue_auth_code(name), **state},
        redirect=link["redirect_uri"],
    )
