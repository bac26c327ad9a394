"""Who is asking: reseller and operator sign-in, signed-cookie sessions, bearer tokens.

A person signs in once with the token the config gives them (a reseller's `token_env`, the
operator's `operator_token_env`) and gets a cookie session: HttpOnly, SameSite=Lax, Secure
when served over https. A program (the mobile app) sends `Authorization: Bearer <token>`
with every request instead. Both are accepted everywhere; tokens are compared in constant
time and never logged.

Every cookie Lapak sets (session, flash message, language) is an itsdangerous
`URLSafeTimedSerializer` value: JSON, timestamped, signed with HMAC-SHA256 under a salt per
purpose (a flash cookie is no session) and refused once older than its purpose's TTL. The
session's payload names the principal and carries a fingerprint of the token it signed in
with (a signature of the token, not the token): rotating a reseller's token in the
environment ends that reseller's sessions at once, and a session never outlives
`SESSION_TTL`.

The signing secret: the config has no setting for one, so it is derived per deployment from
the secrets the config already references (the operator token, every reseller's name and
token, every store's credentials), through HMAC-SHA256 under a fixed label. It is the same
in every process and across restarts (so `web` may run several uvicorn workers), nobody
without all of those secrets can compute it (a reseller knows only their own token; the
store credentials are the merchant's), and rotating any of them signs everyone out.

Cookie-authenticated requests that change something (POST, PUT, PATCH, DELETE) must come
from the page itself: a foreign `Origin` is refused with 403, on top of SameSite=Lax.

Other routers use `current_reseller` / `current_operator` as FastAPI dependencies, reach the
process's `Runtime` and `Dispatcher` with `runtime_of` / `dispatcher_of`, and render pages
with `render_page` (which fills in the signed-in principal and the flash message).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

import itsdangerous
import structlog
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from lapak.config.models import LapakConfig, Reseller
from lapak.sync import i18n
from lapak.sync.dispatch import Dispatcher
from lapak.web.throttle import Throttle, throttle_for
from lapak.wiring.runtime import Runtime
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool

log = structlog.get_logger(__name__)

SESSION_COOKIE = "lapak_session"
FLASH_COOKIE = "lapak_flash"
LANG_COOKIE = "lapak_lang"
LANG_TTL = timedelta(days=365)
"""The language a browser chose with the page's ID | EN switch, kept a year, signed in or not."""
LANG_PATH = "/lang"
SESSION_TTL = timedelta(days=14)
"""A phone stays signed in for two weeks; signing in again renews it."""
FLASH_TTL = timedelta(minutes=2)
SIGN_IN_PATH = "/signin"
RESELLER_HOME = "/queue"
OPERATOR_HOME = "/ops/"
FORM_LIMIT = 64 * 1024
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SECRET_LABEL = b"lapak-session-secret-v1"

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
# Jinja2's i18n extension over Lapak's catalogs (sync/i18n.py). The callables read the language
# `render_page` sets for the request (a context variable), not one installed on the shared
# environment: requests in other languages render at the same time in other threads.
templates.env.add_extension("jinja2.ext.i18n")
templates.env.policies["ext.i18n.trimmed"] = True  # as extracted (sync/locale/babel.cfg)
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)


@dataclass(frozen=True)
class Operator:
    """The operator: one token from the config, sees every store, never a reseller."""

    name: str = "operator"


Principal = Reseller | Operator


# --- the process's wiring -------------------------------------------------------------------


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def dispatcher_of(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.dispatcher
    return dispatcher


# --- signing ---------------------------------------------------------------------------------


def derive_secret(config: LapakConfig) -> bytes:
    """The per-deployment signing secret (see the module docstring)."""
    stores: dict[str, dict[str, str]] = {}
    for store in config.stores:
        values = store.credentials.model_dump()
        stores[store.name] = {
            key: value.get_secret_value() if isinstance(value, SecretStr) else str(value)
            for key, value in values.items()
        }
    material = {
        "operator": config.operator_token() or "",
        "resellers": sorted(
            [r.name, r.token.get_secret_value(), sorted(r.stores)] for r in config.resellers
        ),
        "stores": stores,
    }
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(_SECRET_LABEL, canonical, hashlib.sha256).digest()


class _ClockedSigner(itsdangerous.TimestampSigner):
    """itsdangerous's timestamp signer on a clock of our choosing (tests sign in the past)."""

    def __init__(self, *args: Any, clock: Callable[[], float] = time.time, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class Signer:
    """Signs the cookies' small JSON payloads (itsdangerous, timestamped, one salt per
    purpose) and reads them back while younger than the TTL the reader gives."""

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time):
        self._serializer = itsdangerous.URLSafeTimedSerializer(
            secret,
            signer=_ClockedSigner,
            signer_kwargs={"digest_method": hashlib.sha256, "clock": clock},
        )
        self._tokens = itsdangerous.Signer(secret, salt="token", digest_method=hashlib.sha256)

    def sign(self, purpose: str, payload: dict[str, Any]) -> str:
        return self._serializer.dumps(payload, salt=purpose)

    def unsign(self, purpose: str, value: str, max_age: timedelta) -> dict[str, Any] | None:
        """The payload if the signature holds for `purpose` and it is at most `max_age`
        old; else None."""
        try:
            payload = self._serializer.loads(
                value, salt=purpose, max_age=int(max_age.total_seconds())
            )
        except itsdangerous.BadData:
            return None
        return payload if isinstance(payload, dict) else None

    def fingerprint(self, token: str) -> str:
        """Names a token without revealing it: tells whether a session's token still holds."""
        return self._tokens.get_signature(token).decode()


def signer_of(request: Request) -> Signer:
    """The app's signer, made on first use from its runtime's config."""
    state = request.app.state
    found: Signer | None = getattr(state, "session_signer", None)
    if found is None:
        found = state.session_signer = Signer(derive_secret(runtime_of(request).config))
    return found


# --- who is asking ---------------------------------------------------------------------------


def identify(config: LapakConfig, token: str) -> Principal | None:
    """The reseller or operator this token belongs to. Every known token is compared (in
    constant time), whichever matches, so timing tells nothing about the answer."""
    reseller = config.reseller_for_token(token)
    operator_token = config.operator_token()
    is_operator = operator_token is not None and hmac.compare_digest(
        token.encode(), operator_token.encode()
    )
    if reseller is not None:
        return reseller
    return Operator() if is_operator else None


def _token_of(config: LapakConfig, principal: Principal) -> str | None:
    if isinstance(principal, Operator):
        return config.operator_token()
    return principal.token.get_secret_value()


def _from_session(request: Request) -> Principal | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    signer = signer_of(request)
    payload = signer.unsign("session", cookie, SESSION_TTL)
    if payload is None:
        return None
    config = runtime_of(request).config
    principal: Principal | None
    if payload.get("kind") == "operator":
        principal = Operator() if config.operator_token() is not None else None
    else:
        principal = next((r for r in config.resellers if r.name == payload.get("name")), None)
    if principal is None:
        return None
    token = _token_of(config, principal)
    if token is None or not hmac.compare_digest(
        str(payload.get("fp", "")).encode(), signer.fingerprint(token).encode()
    ):
        return None  # the token was rotated since this session signed in
    if request.method in UNSAFE_METHODS and not _same_origin(request):
        log.warning("session_cross_origin_refused", path=request.url.path)
        raise HTTPException(403, "cross-site request refused")
    return principal


def _same_origin(request: Request) -> bool:
    """`Origin`, else `Referer`, names this site. Neither (old browsers, non-browser
    clients) passes: SameSite=Lax covers those."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True
    parts = urlsplit(origin)
    allowed = {request.headers.get("host", "")}
    public_url = runtime_of(request).config.public_url
    if public_url:
        allowed.add(urlsplit(public_url).netloc)
    return bool(parts.netloc) and parts.netloc in allowed


def principal_of(request: Request) -> Principal | None:
    """Who is asking: a bearer token if the request carries one (a wrong one is a 401, never
    a fall-back to the cookie), else the cookie session, else nobody."""
    header = request.headers.get("authorization")
    if header is not None:
        throttle, client = throttle_of(request), client_of(request)
        wait = throttle.blocked(client)
        if wait:
            log.warning("bearer_throttled", client=client, path=request.url.path)
            raise HTTPException(
                429, "too many wrong tokens", headers={"Retry-After": str(int(wait) + 1)}
            )
        scheme, _, token = header.partition(" ")
        token = token.strip()
        found = identify(runtime_of(request).config, token) if token else None
        if scheme.lower() != "bearer" or found is None:
            throttle.failed(client)
            raise HTTPException(
                401,
                "invalid bearer token",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return found
    return _from_session(request)


def wants_html(request: Request) -> bool:
    """A person at a browser (redirect them to sign in) rather than a program (401)."""
    if request.url.path.startswith("/api/") or "authorization" in request.headers:
        return False
    accept = request.headers.get("accept", "")
    return not ("application/json" in accept and "text/html" not in accept)


def _sign_in_first(request: Request) -> HTTPException:
    if wants_html(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = request.headers.get("referer", "") or request.url.path
            target = urlsplit(target).path or "/"
        location = f"{SIGN_IN_PATH}?next={quote(target, safe='/')}"
        return HTTPException(303, "sign in first", headers={"Location": location})
    return HTTPException(
        401, "sign in or send a bearer token", headers={"WWW-Authenticate": "Bearer"}
    )


def current_reseller(request: Request) -> Reseller:
    """FastAPI dependency: the signed-in reseller (401, or a redirect to sign in, without;
    403 for the operator, who is not a reseller)."""
    principal = principal_of(request)
    if principal is None:
        raise _sign_in_first(request)
    if isinstance(principal, Operator):
        raise HTTPException(403, "signed in as the operator, not as a reseller")
    return principal


def current_operator(request: Request) -> Operator:
    """FastAPI dependency: the operator (401, or a redirect to sign in, without; 403 for a
    reseller's session or token)."""
    principal = principal_of(request)
    if principal is None:
        if runtime_of(request).config.operator_token() is None and not wants_html(request):
            raise HTTPException(
                401,
                "operator views are off: the config sets no [lapak] operator_token_env",
                headers={"WWW-Authenticate": "Bearer"},
            )
        raise _sign_in_first(request)
    if not isinstance(principal, Operator):
        raise HTTPException(403, "resellers cannot open the operator views")
    return principal


CurrentReseller = Annotated[Reseller, Depends(current_reseller)]
CurrentOperator = Annotated[Operator, Depends(current_operator)]


# --- flash messages and pages ----------------------------------------------------------------


def flash(request: Request, response: Response, message: str, level: str = "info") -> Response:
    """Show `message` on the next page this browser renders (level: info, ok, error)."""
    value = signer_of(request).sign("flash", {"m": message, "l": level})
    response.set_cookie(
        FLASH_COOKIE, value, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )
    return response


def redirect(
    request: Request, url: str, message: str | None = None, level: str = "info"
) -> Response:
    """A 303 to `url` (a POST form's answer), with an optional flash message."""
    response = RedirectResponse(url, status_code=303)
    if message:
        flash(request, response, message, level)
    return response


def _pop_flash(request: Request) -> dict[str, str] | None:
    value = request.cookies.get(FLASH_COOKIE)
    if not value:
        return None
    payload = signer_of(request).unsign("flash", value, FLASH_TTL)
    if payload is None:
        return None
    return {"message": str(payload.get("m", "")), "level": str(payload.get("l", "info"))}


def render_page(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a template with `user` (the principal or None) and the pending `flash`."""
    try:
        user = principal_of(request)
    except HTTPException:
        user = None
    lang = language_of(request)
    full = {
        "user": user,
        "flash": _pop_flash(request),
        "now": datetime.now(UTC),
        "lang": lang,
        "languages": i18n.LANGUAGES,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    full.update(context or {})
    with i18n.using_language(lang):  # TemplateResponse renders at once, in this thread
        response = templates.TemplateResponse(request, template, full, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def language_of(request: Request) -> str:
    """The page language: the browser's choice on the switch (signed cookie), else its
    `Accept-Language`, else Bahasa Indonesia."""
    value = request.cookies.get(LANG_COOKIE)
    payload = signer_of(request).unsign("lang", value, LANG_TTL) if value else None
    chosen = i18n.supported(str(payload.get("lang", ""))) if payload else None
    return chosen or i18n.from_accept_language(request.headers.get("accept-language"))


def local_time(
    value: datetime | None, pattern: str = "d MMM HH:mm", zone: str | None = i18n.DEFAULT_ZONE
) -> str:
    """A UTC time in the store's zone (WIB unless told), labelled: "6 Des 14:05 WIB".
    `pattern` is a Babel date pattern ("HH:mm", "yyyy-MM-dd HH:mm:ss"); a date alone
    ("d MMM") needs no zone label."""
    return i18n.format_local_time(value, zone, pattern, label="H" in pattern)


def time_left(value: datetime | None, now: datetime | None = None) -> str:
    """ "Sisa waktu 3 jam 20 menit", "Terlambat 1 jam 5 menit"; "-" without a deadline."""
    return i18n.format_time_left(value, now or datetime.now(UTC))


templates.env.filters["local_time"] = local_time
templates.env.filters["time_left"] = time_left
templates.env.filters["money"] = i18n.format_money
templates.env.tests["operator"] = lambda user: isinstance(user, Operator)
templates.env.globals["SIGN_IN_PATH"] = SIGN_IN_PATH
templates.env.globals["RESELLER_HOME"] = RESELLER_HOME
templates.env.globals["OPERATOR_HOME"] = OPERATOR_HOME
templates.env.globals["LANG_PATH"] = LANG_PATH


# --- sign in, sign out -----------------------------------------------------------------------

router = APIRouter(include_in_schema=False)


def _secure(request: Request) -> bool:
    public_url = runtime_of(request).config.public_url or ""
    return request.url.scheme == "https" or public_url.startswith("https://")


def _safe_next(value: str | None, principal: Principal) -> str:
    """Only a path on this site (no `//host` or scheme): sign-in is no open redirect."""
    default = OPERATOR_HOME if isinstance(principal, Operator) else RESELLER_HOME
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if value.startswith(SIGN_IN_PATH):
        return default
    return value


async def read_form(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body (the only kind Lapak's pages send) as
    its last value per field; no multipart parser needed. Over `FORM_LIMIT` bytes: 413."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise HTTPException(413, "form too large")
    text = body.decode("utf-8", errors="replace")
    return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}


def client_of(request: Request) -> str:
    """The address a request came from: what wrong tokens are counted against."""
    return request.client.host if request.client else "unknown"


def throttle_of(request: Request) -> Throttle:
    """The app's wrong-token throttle: through Redis when the runtime has it."""
    state = request.app.state
    found: Throttle | None = getattr(state, "auth_throttle", None)
    if found is None:
        found = state.auth_throttle = throttle_for(runtime_of(request).redis)
    return found


def start_session(request: Request, response: Response, principal: Principal) -> Response:
    """Set the session cookie for `principal` (who has just proved their token)."""
    config = runtime_of(request).config
    signer = signer_of(request)
    token = _token_of(config, principal)
    assert token is not None  # a principal exists only for a configured token
    payload = {
        "kind": "operator" if isinstance(principal, Operator) else "reseller",
        "name": principal.name,
        "fp": signer.fingerprint(token),
    }
    response.set_cookie(
        SESSION_COOKIE,
        signer.sign("session", payload),
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    return response


@router.get(SIGN_IN_PATH, response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render_page(request, "signin.html", {"next": next or ""})


@router.post(SIGN_IN_PATH)
async def sign_in(request: Request) -> Response:
    if not _same_origin(request):  # login CSRF: a foreign page signing the phone in as itself
        log.warning("sign_in_cross_origin_refused", origin=request.headers.get("origin"))
        raise HTTPException(403, "cross-site request refused")
    form = await read_form(request)
    client = client_of(request)
    throttle = throttle_of(request)
    _ = translator(request)
    wait = await run_in_threadpool(throttle.blocked, client)
    if wait:
        log.warning("sign_in_throttled", client=client)
        slow_down = render_page(
            request,
            "signin.html",
            {
                "next": form.get("next", ""),
                "error": _("Too many wrong tokens. Wait a few minutes."),
            },
            status_code=429,
        )
        slow_down.headers["Retry-After"] = str(int(wait) + 1)
        return slow_down
    token = form.get("token", "").strip()
    principal = identify(runtime_of(request).config, token) if token else None
    if principal is None:
        await run_in_threadpool(throttle.failed, client)
        log.info("sign_in_refused", client=client)
        return render_page(
            request,
            "signin.html",
            {
                "next": form.get("next", ""),
                "error": _("That token is not valid. Check it and try again."),
            },
            status_code=401,
        )
    await run_in_threadpool(throttle.succeeded, client)
    kind = "operator" if isinstance(principal, Operator) else "reseller"
    log.info("signed_in", kind=kind, name=principal.name)
    signed_in = _("Signed in as %(name)s.") % {"name": principal.name}
    response = redirect(request, _safe_next(form.get("next"), principal), signed_in, "ok")
    return start_session(request, response, principal)


@router.post("/signout")
def sign_out(request: Request) -> Response:
    _ = translator(request)
    response = redirect(request, SIGN_IN_PATH, _("Signed out."), "info")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post(LANG_PATH)
async def choose_language(request: Request) -> Response:
    """The page's ID | EN switch: keep the choice in a signed cookie and go back."""
    if not _same_origin(request):
        raise HTTPException(403, "cross-site request refused")
    form = await read_form(request)
    lang = i18n.supported(form.get("lang")) or i18n.DEFAULT_LANGUAGE
    back = form.get("next", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/"
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        signer_of(request).sign("lang", {"lang": lang}),
        max_age=int(LANG_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    return response


def translator(request: Request) -> Callable[[str], str]:
    """`gettext` in the language of the page this request is answered with (bind it to `_`
    so `pybabel extract` finds the messages)."""
    return i18n.translations(language_of(request)).gettext
