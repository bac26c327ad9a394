"""Lazada Open Platform (LazOP) signatures (docs/MARKETPLACES.md#lazada-auth-and-signing,
docs/MARKETPLACES.md#lazada-webhooks). Pure functions.

Request `sign` (source: open.lazada.com "Signature algorithm", doc 108068/108069, and
lazop-sdk 1.0.3 `lazop_sdk/base.py::sign`): take every request parameter, system and
business, except `sign` itself and file (byte-array) parameters; sort them by name in
ASCII order; concatenate `name1value1name2value2...`; put the API path in front
("/order/get"); HMAC-SHA256 it with the app secret (UTF-8) and write the digest as
UPPERCASE hex. The doc's worked example (app secret "helloworld") is the test vector of
tests/connectors/lazada/test_signing.py.

Push (webhook) signature (source: Lazada push-mechanism guide): header `Authorization` =
hex HMAC-SHA256(app_secret, app_key + raw_body); the guide's Java sample writes it in
lowercase, so it is compared case-insensitively.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

SIGN_METHOD = "sha256"
EXCLUDED = frozenset({"sign"})


def text(value: Any) -> str:
    """A parameter value as it is signed and sent (what lazop-sdk's `'%s' % value` gives)."""
    return value if isinstance(value, str) else str(value)


def base_string(api_path: str, params: Mapping[str, Any]) -> str:
    """`api_path` followed by every parameter but `sign`, sorted by name, as name+value."""
    return api_path + "".join(
        name + text(params[name]) for name in sorted(params) if name not in EXCLUDED
    )


def sign(app_secret: str, api_path: str, params: Mapping[str, Any]) -> str:
    """The `sign` parameter: uppercase hex HMAC-SHA256 of the base string under the secret."""
    digest = hmac.new(
        app_secret.encode("utf-8"), base_string(api_path, params).encode("utf-8"), hashlib.sha256
    )
    return digest.hexdigest().upper()


def verify(app_secret: str, api_path: str, params: Mapping[str, Any], given: str) -> bool:
    """True when `given` is the sign of these parameters (case-insensitive hex)."""
    expected = sign(app_secret, api_path, params)
    return hmac.compare_digest(expected.encode(), given.strip().upper().encode())


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The `Authorization` value Lazada sends with a push carrying `body` (raw bytes)."""
    return hmac.new(
        app_secret.encode("utf-8"), app_key.encode("utf-8") + body, hashlib.sha256
    ).hexdigest()


def verify_webhook(app_key: str, app_secret: str, body: bytes, authorization: str | None) -> bool:
    """True when `authorization` is the push signature of `body` (raw bytes, never re-encoded)."""
    if not authorization:
        return False
    expected = webhook_signature(app_key, app_secret, body)
    return hmac.compare_digest(expected.encode(), authorization.strip().lower().encode())
