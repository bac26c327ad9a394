"""The seller's consent page a sandbox serves for its platform's authorization link.

On the real marketplace the seller signs in and sees "<app> wants to manage your shop";
clicking Authorize sends the browser back to the app with a one-time code. A sandbox has
no seller accounts, so its page lets the seller pick which of the app's shops authorizes
(one shop: it is preselected) and posts back to the same path, where the sandbox issues the
code and answers 303 to the redirect URI (`ConsentPage`: a platform reads its link into a
`Grant`). Pages and errors are plain HTML (what a browser, and the demo's scripted
"click", read). Sandbox-only: never on a production code path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

SHOP_FIELD = "shop"
"""The form field naming the shop that authorizes (its id on the platform)."""


def consent_page(
    *,
    platform: str,
    app: str,
    action: str,
    hidden: Mapping[str, str],
    shops: Sequence[tuple[str, str]],
) -> HTMLResponse:
    """ "Authorize <app> to manage <shop>?": a form posting `hidden` and the chosen shop
    (`shops`: (id, name) pairs) to `action`."""
    if not shops:
        return refusal(platform, f"no shop of this sandbox has authorized app {app}", 404)
    fields = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items()
    )
    options = "".join(
        f'<option value="{escape(shop_id)}">{escape(name)}</option>' for shop_id, name in shops
    )
    shop_names = " / ".join(escape(name) for _, name in shops)
    body = (
        f"<h1>Authorize {escape(app)} to manage {shop_names}?</h1>"
        f"<p>{escape(platform)} sandbox: the app will read your orders and manage your "
        "listings, prices and stock.</p>"
        f'<form method="post" action="{escape(action)}">{fields}'
        f'<label>Shop <select name="{SHOP_FIELD}">{options}</select></label> '
        '<button type="submit">Authorize</button></form>'
    )
    return _html(platform, body, 200)


class ConsentRefused(Exception):
    """A link the platform cannot honour: its error page says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True, slots=True)
class Grant:
    """What an authorization link asks for, as the platform read it: the app (as the page
    names it), the shops it may ask for ((id, name) pairs) and the one-time code of the
    chosen shop."""

    app: str
    shops: Sequence[tuple[str, str]]
    issue_code: Callable[[str], str]


@dataclass(frozen=True, slots=True)
class ConsentPage:
    """A platform's consent page at `path` (GET and POST): the link's `fields` (its query
    on GET, the posted form on POST) read by `grant` (with the request), which raises
    `ConsentRefused` for a link it cannot honour. The seller goes back to the link's
    `redirect` with `code`, the chosen shop as `shop_param` (when the platform names it)
    and the link's `echo` fields unchanged."""

    platform: str
    path: str
    fields: tuple[str, ...]
    grant: Callable[[Request, Mapping[str, str]], Grant]
    redirect: str = "redirect_uri"
    shop_param: str | None = None
    echo: tuple[str, ...] = ()

    async def serve(self, request: Request) -> Response:
        """The page on GET; on POST the redirect with the chosen shop's code, or a 404 for
        a shop the app may not ask for."""
        fields = dict(request.query_params) if request.method == "GET" else await form_of(request)
        link = {key: fields[key] for key in self.fields if key in fields}
        try:
            grant = self.grant(request, link)
        except ConsentRefused as refused:
            return refusal(self.platform, refused.message, refused.status)
        if request.method == "GET":
            return consent_page(
                platform=self.platform,
                app=grant.app,
                action=self.path,
                hidden=link,
                shops=grant.shops,
            )
        chosen = fields.get(SHOP_FIELD, "")
        if chosen not in {key for key, _ in grant.shops}:
            return refusal(self.platform, f"no shop {chosen!r} of {grant.app}", 404)
        params = {"code": grant.issue_code(chosen)}
        if self.shop_param is not None:
            params[self.shop_param] = chosen
        params.update((key, link[key]) for key in self.echo if key in link)
        return redirect_with(link[self.redirect], params)


def refusal(platform: str, message: str, status: int = 400) -> HTMLResponse:
    """The platform's error page for a link it cannot honour."""
    return _html(platform, f"<h1>Authorization failed</h1><p>{escape(message)}</p>", status)


def redirect_with(uri: str, params: Mapping[str, str]) -> RedirectResponse:
    """303 to `uri` with `params` added to its own query (which is kept)."""
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=303)


def valid_redirect(uri: str) -> bool:
    """An absolute http(s) URL (where a code may be sent)."""
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


async def form_of(request: Request) -> dict[str, str]:
    """The posted (url-encoded) form's fields, the last value of each."""
    body = await request.body()
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def _html(platform: str, body: str, status: int) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(platform)} authorization</title></head><body>{body}</body></html>"
    )
    return HTMLResponse(page, status_code=status)


class _FirstForm(HTMLParser):
    """The first <form> of a page: its method, action and the values it would submit."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.done = False
        self.method = "get"
        self.action = ""
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self.approve_link: str | None = None
        """The first link whose class says "approve" (WooCommerce's page has no form)."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        values = {k: v or "" for k, v in attrs}
        if tag == "a" and self.approve_link is None and "approve" in values.get("class", ""):
            self.approve_link = values.get("href") or None
        if tag == "form" and not self.found:
            self.found = True
            self.method = values.get("method", "get").lower()
            self.action = values.get("action", "")
        elif not self.found:
            return
        elif tag == "input" and values.get("name") and values.get("type") != "submit":
            self.fields[values["name"]] = values.get("value", "")
        elif tag == "select" and values.get("name"):
            self._select = values["name"]
        elif (
            tag == "option"
            and self._select is not None
            and (self._select not in self.fields or "selected" in values)
        ):
            self.fields[self._select] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form" and self.found:
            self.done = True


def press_authorize(
    link: str, *, timeout: float = 10.0, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """What a seller's browser does with an authorization link on a sandbox: open it,
    submit the page's form as it stands (the first shop chosen) — or, on a page without
    one, follow its first Approve link (WooCommerce's) — follow the redirects (to the app's
    callback) and return the last answer. `headers` go with every request (a browser's
    `Accept-Language`). For the demo and tests."""
    with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as browser:
        page = browser.get(link)
        form = _FirstForm()
        form.feed(page.text)
        if not form.found:
            if form.approve_link is None:
                return page
            return browser.get(urljoin(str(page.url), form.approve_link))
        target = urljoin(str(page.url), form.action or str(page.url))
        if form.method == "post":
            return browser.post(target, data=form.fields)
        return browser.get(target, params=form.fields)
