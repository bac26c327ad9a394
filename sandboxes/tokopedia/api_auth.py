"""POST /token: client credentials for a bearer token, not enveloped
(docs/MARKETPLACES.md#tokopedia-auth-and-signing); refusals in RFC 6749's shape
(docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.wire import JSONBody
from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from lapak.sandboxes.tokopedia.sandbox import TokopediaSandbox

TOKEN_PATH = "/token"


def _refusal(status: int, error: str, description: str) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="tokopedia"'} if status == 401 else None
    return JSONBody(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _client(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def token(sandbox: TokopediaSandbox, request: Request) -> Response:
    """Lock held by the caller."""
    if request.method != "POST":
        return _refusal(405, "invalid_request", "the token endpoint takes POST")
    if request.query_params.get("grant_type") != "client_credentials":
        return _refusal(400, "unsupported_grant_type", "grant_type must be client_credentials")
    pair = _client(request.headers.get("Authorization", ""))
    if pair is None:
        return _refusal(401, "invalid_client", "Basic client authentication is required")
    client_id, secret = pair
    app = sandbox.app_of_client(client_id)
    if app is None or not hmac.compare_digest(app.client_secret.encode(), secret.encode()):
        return _refusal(401, "invalid_client", "Client authentication failed")
    token, expires_at = sandbox.token_for(client_id)
    lifetime = max(1, round(expires_at - sandbox.clock.now()))
    return JSONBody({"access_token": token, "expires_in": lifetime, "token_type": "Bearer"})
