"""Numbers as people write them in a catalog: Indonesian (`15.000`, `15.000,50`, `Rp 15.000,-`)
or international (`15000.50`, `15,000.50`).

A written number either shows its convention (both separators, a decimal part that is not
three digits long, more than one group) or is ambiguous: one separator followed by exactly
three digits (`1.500`, `1,500`) is a thousands separator in one convention and a decimal
point in the other. `classify` says which; `NumberColumn` decides a column's convention from
its unambiguous values, and `read` turns an ambiguous value into a number only where the
column's convention makes that separator the thousands separator. Anything else is a
`NumberError` naming both readings — a price is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from lapak.sync.i18n import N_, translate


class Convention(Enum):
    INDONESIAN = "indonesian"
    """`.` groups thousands, `,` is the decimal point."""
    INTERNATIONAL = "international"
    """`,` groups thousands, `.` is the decimal point."""

    @property
    def thousands(self) -> str:
        return "." if self is Convention.INDONESIAN else ","


# --- messages (user-facing; kept together so they can be translated) ---
# (marked with N_, translated when raised: `sync.i18n.translate`)
NOT_A_NUMBER = N_("%(text)r is not a number")
AMBIGUOUS = N_("%(text)r reads as %(thousands)s or %(decimal)s; write %(fix)s")
AMBIGUOUS_FIX = N_("%(thousands)s or %(decimal)s")
AMBIGUOUS_FIX_ONE = N_("%(thousands)s (without a separator)")


class NumberError(ValueError):
    """A cell that is not a number, or whose reading is ambiguous (the message says why)."""


_RUPIAH = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
_NO_CENTS = re.compile(r"[.,]-$")
"""`Rp 15.000,-`: the dash says "no cents"."""
_SHAPE = re.compile(r"[+-]?[0-9.,]*[0-9]")
_GROUPED = "[1-9][0-9]{{0,2}}(?:{sep}[0-9]{{3}})+"
"""Whole thousands: `1.000.000`; a first group of `0` is no grouping."""


@dataclass(frozen=True, slots=True)
class Written:
    """What a written number says on its own.

    `value` is its reading when it has one; otherwise `thousands` and `decimal` are its two
    readings and `separator` the character they disagree about. `hint` is the convention
    the value shows (None when it shows none)."""

    value: Decimal | None
    hint: Convention | None
    thousands: Decimal | None = None
    decimal: Decimal | None = None
    separator: str = ""


def classify(text: str) -> Written:
    """Read `text` as far as it can be read alone; raises `NumberError` when it is no number."""
    body = text.strip()
    rupiah = bool(_RUPIAH.match(body))
    body = _RUPIAH.sub("", body)
    if _NO_CENTS.search(body):
        body, rupiah = body[:-2], True
    if not _SHAPE.fullmatch(body):
        raise NumberError(translate(NOT_A_NUMBER, text=text))
    sign = "-" if body.startswith("-") else ""
    digits = body.lstrip("+-")
    written = _unsigned(digits, text)
    if sign:
        written = _negated(written)
    if written.hint is None and rupiah:
        # Rupiah amounts are written the Indonesian way: `Rp 1.500` is fifteen hundred.
        if written.value is None and written.separator == ".":
            return Written(written.thousands, Convention.INDONESIAN)
        return Written(written.value, Convention.INDONESIAN, *_rest(written))
    return written


def _rest(written: Written) -> tuple[Decimal | None, Decimal | None, str]:
    return written.thousands, written.decimal, written.separator


def _unsigned(digits: str, text: str) -> Written:
    dots, commas = digits.count("."), digits.count(",")
    if not dots and not commas:
        return Written(Decimal(digits), None)
    if dots and commas:
        # The last separator is the decimal point; the other must group whole thousands.
        decimal_point = "." if digits.rfind(".") > digits.rfind(",") else ","
        grouping = "," if decimal_point == "." else "."
        whole, _, fraction = digits.rpartition(decimal_point)
        if decimal_point in whole or not _grouped(whole, grouping) or not fraction:
            raise NumberError(translate(NOT_A_NUMBER, text=text))
        hint = Convention.INTERNATIONAL if decimal_point == "." else Convention.INDONESIAN
        return Written(Decimal(f"{whole.replace(grouping, '')}.{fraction}"), hint)
    separator = "." if dots else ","
    whole, _, fraction = digits.rpartition(separator)
    if dots + commas > 1:  # only grouping repeats: 1.000.000 or 1,000,000
        if not _grouped(digits, separator):
            raise NumberError(translate(NOT_A_NUMBER, text=text))
        hint = Convention.INDONESIAN if separator == "." else Convention.INTERNATIONAL
        return Written(Decimal(digits.replace(separator, "")), hint)
    if not whole or not fraction:
        raise NumberError(translate(NOT_A_NUMBER, text=text))
    as_decimal = Decimal(f"{whole}.{fraction}")
    decimal_hint = Convention.INTERNATIONAL if separator == "." else Convention.INDONESIAN
    if len(fraction) != 3 or len(whole) > 3 or whole.startswith("0"):
        return Written(as_decimal, decimal_hint)
    return Written(None, None, Decimal(whole + fraction), as_decimal, separator)


def _grouped(digits: str, separator: str) -> bool:
    return bool(re.fullmatch(_GROUPED.format(sep=re.escape(separator)), digits))


def _negated(written: Written) -> Written:
    def neg(value: Decimal | None) -> Decimal | None:
        return None if value is None else -value

    return Written(
        neg(written.value),
        written.hint,
        neg(written.thousands),
        neg(written.decimal),
        written.separator,
    )


def read(text: str, convention: Convention | None) -> Decimal:
    """The number `text` means in a column of `convention` (None: the column shows none).

    An ambiguous value is read only where `convention` makes its separator the thousands
    separator; otherwise `NumberError` names both readings."""
    written = classify(text)
    if written.value is not None:
        return written.value
    assert written.thousands is not None and written.decimal is not None
    if convention is not None and convention.thousands == written.separator:
        return written.thousands
    raise NumberError(
        translate(
            AMBIGUOUS,
            text=text,
            thousands=plain(written.thousands),
            decimal=plain(written.decimal),
            fix=_fix(written),
        )
    )


def _fix(written: Written) -> str:
    """The two readings written so that each has only one: plain digits for the thousands
    reading, the other separator as decimal point for the decimal reading."""
    assert written.thousands is not None and written.decimal is not None
    thousands = plain(written.thousands)
    decimal = written.decimal.normalize()
    exponent = decimal.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent >= 0:
        return translate(AMBIGUOUS_FIX, thousands=thousands, decimal=plain(decimal))
    if exponent < -2:  # three decimals: every way to write it with one separator is ambiguous
        return translate(AMBIGUOUS_FIX_ONE, thousands=thousands)
    other = "," if written.separator == "." else "."
    return translate(AMBIGUOUS_FIX, thousands=thousands, decimal=plain(decimal).replace(".", other))


def plain(value: Decimal) -> str:
    """`value` in digits without grouping and without trailing zeros (`1500`, `1.5`)."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def indonesian(value: Decimal) -> str:
    """`value` as an Indonesian spreadsheet writes it, without grouping: `15000`, `85000,5`.

    Reads back unambiguously: a whole number has no separator, and a fraction keeps at least
    two digits after the comma unless it has exactly one."""
    text = plain(value)
    if "." not in text:
        return text
    whole, fraction = text.split(".")
    if len(fraction) == 3:
        fraction += "0"  # `1,500` would be ambiguous; `1,5000` is not
    return f"{whole},{fraction}"


@dataclass
class NumberColumn:
    """The convention one column shows, from the values seen in it."""

    hints: set[Convention] = field(default_factory=set)

    def observe(self, text: str) -> None:
        """Note the convention `text` shows; values that are no number are reported later."""
        try:
            hint = classify(text).hint
        except NumberError:
            return
        if hint is not None:
            self.hints.add(hint)

    def convention(self, fallback: Convention | None) -> Convention | None:
        """The column's own convention; `fallback` (the file's) when it shows none; None when
        its values disagree, so that no ambiguous value is read either way."""
        if len(self.hints) > 1:
            return None
        return next(iter(self.hints), fallback)
