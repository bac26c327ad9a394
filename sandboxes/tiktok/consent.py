"""TikTok Shop's seller authorization page: GET/POST /open/authorize (services.tiktokshop.com).

The link (TikTok Shop's authorization guide, 202309): `/open/authorize?service_id&state`,
`service_id` being the app's service in Partner Center. TikTok sends the seller back to
the redirect URL registered for the app, with `code` and the link's `state`. The sandbox
has no Partner Center: it sends the browser to the link's own `redirect_uri` (Lapak's link
names it; TikTok reads the registered one). The code "expires in 30 minutes and can only
be used once" (api_auth.py); GET /api/v2/token/get exchanges it.
"""

from __future__ import annotations

from collections.abc import Mapping

from lapak.sandboxes.kit.consent import ConsentPage, ConsentRefused, Grant, valid_redirect
from lapak.sandboxes.tiktok.sandbox import TikTokSandbox
from starlette.requests import Request

LINK_FIELDS = ("service_id", "state", "redirect_uri")


def grant(request: Request, link: Mapping[str, str]) -> Grant:
    sandbox: TikTokSandbox = request.app.sandbox
    service_id = link.get("service_id", "")
    if not valid_redirect(link.get("redirect_uri", "")):
        raise ConsentRefused("no redirect URL is registered for this service")
    with sandbox.lock:
        app_key = sandbox.services.get(service_id)
        if app_key is None:
            raise ConsentRefused(f"no service with service_id {service_id!r}", 404)
        shops = [(s.name, s.name) for s in sandbox.stores.values() if s.app_key == app_key]
    return Grant(f"app {app_key}", shops, sandbox.issue_auth_code)


PAGE = ConsentPage("TikTok Shop", "/open/authorize", LINK_FIELDS, grant, echo=("state",))
