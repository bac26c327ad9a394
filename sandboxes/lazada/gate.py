"""The checks every LazOP call passes before its handler runs: common parameters, timestamp
within 7200 s (milliseconds, or ISO 8601 per doc 108067), sign method and sign
(docs/MARKETPLACES.md#lazada-auth-and-signing), then the access token of a seller API. The
order of the checks and some codes are the sandbox's (docs/MARKETPLACES.md#lazada-unconfirmed).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from lapak.sandboxes.lazada.state import Seller
from lapak.sandboxes.lazada.wire import ISV, LazadaError, missing

if TYPE_CHECKING:
    from lapak.sandboxes.lazada.sandbox import LazadaSandbox

TIMESTAMP_WINDOW_SECONDS = 7200
SIGN_METHODS = frozenset({"sha256"})


@dataclass(frozen=True, slots=True)
class Caller:
    app_key: str
    seller: Seller | None


def sign(app_secret: str, api_path: str, params: Mapping[str, str]) -> str:
    base = api_path + "".join(k + params[k] for k in sorted(params) if k != "sign")
    return hmac.new(app_secret.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


def timestamp_seconds(raw: str) -> float | None:
    """Milliseconds since the epoch, or ISO 8601 text; None when neither."""
    if raw.isdigit():
        return int(raw) / 1000
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo else None


def authenticate(
    sandbox: LazadaSandbox, path: str, params: Mapping[str, str], *, seller_api: bool
) -> Caller:
    """The calling app (and seller, for seller APIs), or a `LazadaError`. Lock held."""
    for name in ("app_key", "timestamp", "sign_method", "sign"):
        if not params.get(name):
            raise missing(name)
    app_key = params["app_key"]
    app_secret = sandbox.apps.get(app_key)
    if app_secret is None:
        raise LazadaError("InvalidAppKey", "Specified app key is invalid", type=ISV)
    moment = timestamp_seconds(params["timestamp"])
    if moment is None or abs(sandbox.clock.now() - moment) > TIMESTAMP_WINDOW_SECONDS:
        raise LazadaError("InvalidTimestamp", "The timestamp is invalid or expired", type=ISV)
    if params["sign_method"] not in SIGN_METHODS:
        raise LazadaError("InvalidSignMethod", "The sign method is not supported", type=ISV)
    if seller_api and not params.get("access_token"):
        raise missing("access_token")
    expected = sign(app_secret, path, params)
    if not hmac.compare_digest(expected, params["sign"].strip().upper()):
        raise LazadaError(
            "IncompleteSignature",
            "The request signature does not conform to lazop standards",
            type=ISV,
        )
    if not seller_api:
        return Caller(app_key, None)
    seller_id = sandbox.tokens.access_owner(params["access_token"])
    seller = sandbox.stores.get(seller_id) if seller_id is not None else None
    if seller is None or seller.app_key != app_key:
        raise LazadaError(
            "IllegalAccessToken", "The specified access token is invalid or expired", type=ISV
        )
    return Caller(app_key, seller)
