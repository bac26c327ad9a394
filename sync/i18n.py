"""Languages, money and local time as Lapak's people read them.

Resellers and owners read Bahasa Indonesia first (`id`, the default) or English (`en`).
Messages come from Babel gettext catalogs: `sync/locale/<lang>/LC_MESSAGES/messages.po`,
compiled in memory the first time a language is asked for (no compiled `.mo` is committed,
so a checkout and an installed wheel read the same text). English is the source language:
its catalog is empty and every message falls back to the msgid.

The language of the moment is a context variable: a web request sets it around rendering
(`using_language`), the CLI takes `LAPAK_LANG` (`id` when unset). `gettext` / `ngettext`
read it, so the Jinja2 i18n extension and plain Python share one set of catalogs.

Money is written the Indonesian way, `Rp 206.000` (`Rp 15.000,50` when there are cents);
times in the store's zone, labelled: WIB (Asia/Jakarta), WITA (Asia/Makassar) or WIT
(Asia/Jayapura), or any IANA zone a store names.

After marking or changing strings, re-extract `messages.pot` and update the `.po` files
with the two pybabel commands in README.md ("Languages", under "The queue").
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("id", "en")
"""Supported languages, the default first."""
DEFAULT_LANGUAGE = "id"
SOURCE_LANGUAGE = "en"
"""The language the msgids are written in: it needs no translation."""
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
LANG_ENV = "LAPAK_LANG"

ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
"""Indonesia's three time zones by the names Indonesians use."""
_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
DEFAULT_ZONE = "WIB"

_current: ContextVar[str | None] = ContextVar("lapak_language", default=None)


# --- languages ---------------------------------------------------------------------------------


def supported(value: str | None) -> str | None:
    """`value` as a supported language code (`id`, `en`; `in` and `id-ID` are `id`), else None."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    primary = "id" if primary == "in" else primary  # Java's and old Android's code for Indonesian
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str:
    """The supported language a browser's `Accept-Language` prefers most; `id` when none.

    Tags are ranked by their `q` weight (1 when absent, ties keep header order); `*` and
    unsupported tags are skipped; a malformed weight counts as 0."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        language = supported(tag)
        if language is not None and weight > 0:
            ranked.append((-weight, index, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def cli_language() -> str:
    """The CLI's language: `LAPAK_LANG` when it names a supported one, else Indonesian."""
    return supported(os.environ.get(LANG_ENV)) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language set for this request (`using_language`), else the CLI's."""
    return _current.get() or cli_language()


@contextmanager
def using_language(language: str) -> Iterator[str]:
    """Messages, dates and numbers in `language` inside the block (this context only)."""
    chosen = supported(language) or DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


# --- catalogs ----------------------------------------------------------------------------------


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """The compiled catalog of `language` (cached): its .po read and compiled in memory.

    The source language, or a language without a catalog, gets the msgids back."""
    language = supported(language) or DEFAULT_LANGUAGE
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == SOURCE_LANGUAGE or not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(message: str) -> str:
    """`message` in the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for `count`, in the current language."""
    return translations(current_language()).ngettext(singular, plural, count)


_ = gettext


def N_(message: str) -> str:
    """Marks `message` for extraction where it is defined; it is translated where shown."""
    return message


def translate(template: str, **values: object) -> str:
    """A message marked with `N_` where it is defined, in the current language, its
    `%(name)s` placeholders filled with `values` (row, column, the cell's text…)."""
    text = gettext(template)
    return text % values if values else text


ORDER_STATUS_NAMES = {
    "unpaid": N_("Not paid yet"),
    "ready_to_ship": N_("To ship"),
    "shipped": N_("Shipped"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
    "returned": N_("Returned"),
}
"""Order statuses (`sync.types.OrderStatus`) as a person reads them."""
SHIP_STATE_NAMES = {
    "requested": N_("Waiting for marketplace"),
    "confirmed": N_("Confirmed by the marketplace"),
    "failed": N_("Refused by the marketplace"),
}
"""Where a shipment stands after the reseller shipped it (`Order.ship_state`)."""


def order_status_name(status: str, ship_state: str = "none") -> str:
    """Where an order stands, in the current language: its shipment once shipped through
    Lapak, else its status ("Siap kirim", "Menunggu marketplace")."""
    known = SHIP_STATE_NAMES.get(ship_state) or ORDER_STATUS_NAMES.get(status)
    return gettext(known) if known else status.replace("_", " ")


# --- money -------------------------------------------------------------------------------------


def format_rupiah(amount: Decimal) -> str:
    """`Rp 206.000`; with cents `Rp 15.000,50`; a negative amount `-Rp 5.000`."""
    amount = Decimal(amount)
    pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    digits = format_decimal(abs(amount), format=pattern, locale="id_ID")
    return f"{'-' if amount < 0 else ''}Rp {digits}"


def format_money(amount: Decimal, currency: str = "IDR") -> str:
    """Rupiah as `format_rupiah`; another currency with its code (`USD 12,50`)."""
    if currency.upper() in ("IDR", "RP", ""):
        return format_rupiah(amount)
    amount = Decimal(amount)
    pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    locale = "id_ID" if current_language() == "id" else "en_US"
    return f"{currency.upper()} {format_decimal(amount, format=pattern, locale=locale)}"


# --- time --------------------------------------------------------------------------------------


def zone_of(name: str | None) -> tzinfo:
    """The zone a store names: WIB / WITA / WIT or an IANA name; WIB for None.

    `ValueError` naming the choices for anything else."""
    key = (name or DEFAULT_ZONE).strip()
    iana = ZONES.get(key.upper(), key)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use WIB, WITA, WIT or an IANA name like Asia/Jakarta"
        ) from None


def zone_label(name: str | None) -> str:
    """How a time in this zone is labelled: WIB, WITA, WIT, else its UTC offset (UTC+8)."""
    key = (name or DEFAULT_ZONE).strip()
    if key.upper() in ZONES:
        return key.upper()
    zone = zone_of(key)
    if key in _LABELS:
        return _LABELS[key]
    offset = datetime.now(zone).utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    return f"UTC{hours:+d}" + (f":{rest:02d}" if rest else "")


def format_local_time(
    value: datetime | None,
    zone: str | None = DEFAULT_ZONE,
    pattern: str = "d MMM HH:mm",
    *,
    label: bool = True,
) -> str:
    """A UTC time in the store's zone, in the current language, labelled:
    "6 Des 14:05 WIB" (`pattern` is a Babel/CLDR date pattern); "-" for None."""
    if value is None:
        return "-"
    text = format_datetime(value, pattern, tzinfo=zone_of(zone), locale=current_language())
    return f"{text} {zone_label(zone)}" if label else text


def format_clock(value: datetime | None, zone: str | None = DEFAULT_ZONE) -> str:
    """Only the hour: "14:05 WIB"."""
    return format_local_time(value, zone, "HH:mm")


def format_span(seconds: float) -> str:
    """A length of time to the minute: "2 jam 5 menit", "3 hari 4 jam", "45 menit"."""
    minutes_total = abs(int(seconds)) // 60
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def format_time_left(deadline: datetime | None, now: datetime) -> str:
    """ "Sisa waktu 2 jam 5 menit" before a deadline, "Terlambat 1 jam" after; "-" without."""
    if deadline is None:
        return "-"
    seconds = (deadline - now).total_seconds()
    if seconds >= 0:
        return _("%(span)s left") % {"span": format_span(seconds)}
    return _("overdue %(span)s") % {"span": format_span(seconds)}
