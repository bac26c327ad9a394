"""`ShopifyClient`: the only code that speaks HTTP to Shopify's Admin API.

Every call carries the store's offline access token in `X-Shopify-Access-Token` (no request
signing) and is retried briefly by the `Retrier`. The two APIs have limits of their own
(docs/MARKETPLACES.md#shopify-rate-limits): a REST call is paced through the store's
`Pacer` (2 requests/s, a bucket of 40); a GraphQL call spends cost points instead, and
waits until the points the last answer stated (`extensions.cost.throttleStatus`) cover its
cost (kit `StatedPace`). A refusal becomes the `sync.protocol` error it means
(docs/rules.md, rule 7):

    HTTP 429 (REST leaky bucket full)     ThrottledError; Retry-After (seconds), else the
                                          wait the X-Shopify-Shop-Api-Call-Limit fill implies
    GraphQL errors[code THROTTLED]        ThrottledError; wait = (requested cost − available
                                          points) / restore rate, from extensions.cost
    HTTP 5xx, timeouts, malformed bodies  TransientError
    HTTP 401, 403 (bad/revoked token,     AuthError (an offline token does not expire, so
    missing scope)                        there is nothing to refresh: re-authorize)
    anything else (404, 422, 400, …)      PermanentError with Shopify's own message

Nothing here logs or raises the token; messages name the API path only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import structlog
from lapak.connectors.http import Retrier, parse_retry_after, send, with_query
from lapak.connectors.kit.allowance import Allowance, StatedPace
from lapak.connectors.kit.client import Request
from lapak.connectors.kit.paging import Query, next_link_param, token_pages
from lapak.connectors.kit.refusals import ErrorTable
from lapak.connectors.kit.refusals import classify as kit_classify
from lapak.connectors.kit.validation import M
from lapak.connectors.shopify.wire import GraphQLReply, validate
from lapak.sync.protocol import (
    AuthError,
    ConnectorError,
    Pacer,
    PermanentError,
    ThrottledError,
    TransientError,
)

log = structlog.get_logger(__name__)

REST_LEAK_PER_SECOND = 2.0
"""Standard plan REST leak rate (REST Admin API rate limits: "Standard limit: 2
requests/second"), used to turn a call-limit fill into a wait when Retry-After is absent."""
GRAPHQL_TRANSIENT_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})
GRAPHQL_AUTH_CODES = frozenset({"ACCESS_DENIED", "UNAUTHORIZED"})
LATER_PAGE_KEEPS = ("limit", "fields")
"""What a page after the first sends beside its `page_info`: the list's filters ride in the
cursor, and Shopify refuses them beside it."""


def error_text(errors: Any) -> str:
    """Shopify's `errors` value (a string, a list, or field → messages) as one line."""
    if isinstance(errors, str):
        return errors
    if isinstance(errors, list):
        return "; ".join(error_text(item) for item in errors)
    if isinstance(errors, dict):
        parts = []
        for field, messages in errors.items():
            text = error_text(messages)
            parts.append(text if field == "base" else f"{field} {text}")
        return "; ".join(parts)
    return "" if errors is None else str(errors)


def rest_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds a 429 asks to wait: Retry-After, else what the bucket fill implies."""
    waited = parse_retry_after(headers.get("Retry-After"))
    if waited is not None:
        return waited
    fill = headers.get("X-Shopify-Shop-Api-Call-Limit", "")
    used, _, size = fill.partition("/")
    try:
        over = int(used) - int(size) + 1
    except ValueError:
        return None
    return max(over, 1) / REST_LEAK_PER_SECOND


TABLE = ErrorTable(auth_statuses=frozenset({401, 403}))
"""An offline token does not expire: a 401 or 403 is not stale, it needs re-authorizing."""


def classify(path: str, status: int, message: str, retry_after: float | None) -> ConnectorError:
    """The `ConnectorError` an HTTP refusal of `path` means (REST, or GraphQL's HTTP level)."""
    return kit_classify(TABLE, path, status, "", message, retry_after)


class ShopifyClient:
    """Paced, classified calls to one shop's Admin API (`/admin/api/{version}/...`)."""

    def __init__(
        self,
        *,
        http: httpx.Client,
        retrier: Retrier,
        pacer: Pacer,
        access_token: str,
        api_version: str,
        sleep: Callable[[float], None] = time.sleep,
    ):
        """`sleep` waits before a GraphQL call whose cost the points stated last cannot
        cover yet."""
        self._http = http
        self._retrier = retrier
        self._pacer = pacer
        self._token = access_token
        self._prefix = f"/admin/api/{api_version}/"
        self._sleep = sleep
        self._points = StatedPace(time.monotonic)

    # --- REST ----------------------------------------------------------------------------

    def get(self, resource: str, params: Mapping[str, Any], model: type[M]) -> M:
        return self._get_page(resource, params, model)[0]

    def pages(self, resource: str, params: Mapping[str, Any], model: type[M]) -> Iterator[M]:
        """Every page of a REST list: `params`, then the `page_info` of each page's Link
        header rel="next" (docs/MARKETPLACES.md#shopify-orders)."""
        later = {key: value for key, value in params.items() if key in LATER_PAGE_KEEPS}

        def fetch(query: Query) -> tuple[M, str | None]:
            if "page_info" in query:
                query = {**later, "page_info": query["page_info"]}
            return self._get_page(resource, query, model)

        for page, _ in token_pages(
            fetch,
            params,
            "page_info",
            lambda reply: reply[1],
            stuck=f"{resource}: the same page_info again",
        ):
            yield page

    def _get_page(
        self, resource: str, params: Mapping[str, Any], model: type[M]
    ) -> tuple[M, str | None]:
        """One page and the next page's `page_info` (None: last page)."""
        return self._retrier.call(self._rest, self._request("GET", resource, params), model)

    def post(
        self, resource: str, body: Mapping[str, Any], model: type[M], *, idempotent: bool = True
    ) -> M:
        request = self._request("POST", resource, body=body)
        page, _ = self._retrier.call(self._rest, request, model, idempotent=idempotent)
        return page

    def put(self, resource: str, body: Mapping[str, Any], model: type[M]) -> M:
        return self._retrier.call(self._rest, self._request("PUT", resource, body=body), model)[0]

    def _request(
        self, method: str, resource: str, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> Request:
        """A call of the REST `resource` ("orders.json") of the store's API version."""
        return Request(method, self._prefix + resource, params, body)

    def _rest(self, request: Request, model: type[M]) -> tuple[M, str | None]:
        response = self._send(request)
        payload = self._payload(request.path, response)
        next_page = next_link_param(response.headers.get("Link"), "page_info")
        return validate(model, payload, request.path), next_page

    # --- GraphQL -------------------------------------------------------------------------

    def graphql(
        self, query: str, variables: Mapping[str, Any], field: str, *, cost: int
    ) -> dict[str, Any]:
        """`data[field]` of a GraphQL operation whose requested `cost` in points is known
        (retried: use it for idempotent ones)."""
        return self._retrier.call(self._graphql, query, variables, field, cost)

    def _graphql(
        self, query: str, variables: Mapping[str, Any], field: str, cost: int
    ) -> dict[str, Any]:
        path = self._prefix + "graphql.json"
        wait = self._points.wait(cost)
        if wait:
            self._sleep(wait)
        body = {"query": query, "variables": variables}
        response = self._send(Request("POST", path, body=body), paced=False)
        reply = validate(GraphQLReply, self._payload(path, response), path)
        self._points.note(_points_left(reply))
        if reply.errors:
            raise graphql_error(path, field, reply)
        data = (reply.data or {}).get(field)
        if not isinstance(data, dict):
            raise TransientError(f"{path}: malformed response: data.{field} missing")
        return data

    # --- one attempt ---------------------------------------------------------------------

    def _send(self, request: Request, *, paced: bool = True) -> httpx.Response:
        """One attempt; `paced` (REST): through the store's pacer first."""
        if paced:
            self._pacer.acquire()
        headers = {"X-Shopify-Access-Token": self._token, "Accept": "application/json"}
        sent = self._http.build_request(
            request.method,
            with_query(request.path, request.params),
            json=request.body,
            headers=headers,
        )
        return send(self._http, sent)

    def _payload(self, path: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if status >= 400:
            errors = payload.get("errors") if isinstance(payload, dict) else None
            message = error_text(errors) if errors is not None else "non-JSON error body"
            raise classify(path, status, message, rest_retry_after(response.headers))
        if not isinstance(payload, dict):
            raise TransientError(f"{path}: malformed response: body is not a JSON object")
        return payload


def graphql_error(path: str, field: str, reply: GraphQLReply) -> ConnectorError:
    errors = reply.errors or []
    codes = [error.code for error in errors]
    text = f"{path} {field}: " + "; ".join(
        f"{error.code}: {error.message}" if error.code else error.message for error in errors
    )
    code = next((c for c in codes if c), None)
    if "THROTTLED" in codes:
        return ThrottledError(text, code="THROTTLED", status=200, retry_after=_points_wait(reply))
    if code in GRAPHQL_TRANSIENT_CODES:
        return TransientError(text, code=code, status=200)
    if code in GRAPHQL_AUTH_CODES:
        return AuthError(text, code=code, status=200)
    return PermanentError(text, code=code, status=200)


def _points_left(reply: GraphQLReply) -> Allowance | None:
    """The points bucket as the answer states it (None: not stated)."""
    cost = reply.extensions.cost if reply.extensions else None
    status = cost.throttleStatus if cost else None
    if status is None or status.restoreRate <= 0:
        return None
    return Allowance(status.restoreRate, status.maximumAvailable, status.currentlyAvailable)


def _points_wait(reply: GraphQLReply) -> float | None:
    """Seconds until the bucket holds the requested cost again (extensions.cost)."""
    cost = reply.extensions.cost if reply.extensions else None
    status = cost.throttleStatus if cost else None
    if cost is None or status is None or status.restoreRate <= 0:
        return None
    requested = cost.requestedQueryCost or 0.0
    missing = max(requested - status.currentlyAvailable, 1.0)
    return round(missing / status.restoreRate, 3)
