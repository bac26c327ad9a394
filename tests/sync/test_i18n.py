"""Languages, Rupiah and local time (`sync.i18n`), and the catalogs behind them.

The catalog test extracts every marked string the way the README says to (pybabel over the
Python and the templates) and fails when one has no Indonesian translation, or a
translation whose placeholders differ from its msgid's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st
from lapak.sync import i18n

ROOT = Path(__file__).resolve().parents[2]
ID_CATALOG = ROOT / "sync/locale/id/LC_MESSAGES/messages.po"


def test_rupiah_is_written_the_indonesian_way() -> None:
    assert i18n.format_rupiah(Decimal("206000")) == "Rp 206.000"
    assert i18n.format_rupiah(Decimal("206000.00")) == "Rp 206.000"
    assert i18n.format_rupiah(Decimal("15000.5")) == "Rp 15.000,50"
    assert i18n.format_rupiah(Decimal("1234567.89")) == "Rp 1.234.567,89"
    assert i18n.format_rupiah(Decimal("0")) == "Rp 0"
    assert i18n.format_rupiah(Decimal("-5000")) == "-Rp 5.000"
    assert i18n.format_money(Decimal("103000"), "IDR") == "Rp 103.000"


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_a_rupiah_amount_reads_back_as_the_same_amount(amount: Decimal) -> None:
    text = i18n.format_rupiah(amount)
    assert re.fullmatch(r"-?Rp \d{1,3}(\.\d{3})*(,\d{2})?", text), text
    digits = text.replace("Rp ", "").replace(".", "").replace(",", ".")
    assert Decimal(digits) == amount
    assert ("," in text) == (amount != amount.to_integral_value())


def test_accept_language_picks_the_preferred_supported_language() -> None:
    assert i18n.from_accept_language(None) == "id"
    assert i18n.from_accept_language("") == "id"
    assert i18n.from_accept_language("en-US,en;q=0.9") == "en"
    assert i18n.from_accept_language("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7") == "id"
    assert i18n.from_accept_language("en;q=0.5, id;q=0.8") == "id"
    assert i18n.from_accept_language("fr-FR, de;q=0.9") == "id"  # neither: the default
    assert i18n.from_accept_language("fr, en;q=0.3") == "en"
    assert i18n.from_accept_language("in-ID") == "id"  # old Android's code for Indonesian
    assert i18n.from_accept_language("en;q=0, *") == "id"
    assert i18n.from_accept_language("en;q=bogus, id") == "id"


@given(st.text(max_size=200))
def test_any_accept_language_header_gives_a_supported_language(header: str) -> None:
    assert i18n.from_accept_language(header) in i18n.LANGUAGES


def test_the_cli_language_comes_from_lapak_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAPAK_LANG", raising=False)
    assert i18n.cli_language() == "id"
    assert i18n.gettext("Claim") == "Klaim"
    monkeypatch.setenv("LAPAK_LANG", "en_US.UTF-8")
    assert i18n.cli_language() == "en" and i18n.gettext("Claim") == "Claim"
    monkeypatch.setenv("LAPAK_LANG", "klingon")
    assert i18n.cli_language() == "id"
    with i18n.using_language("en"):  # a request's language wins over the environment
        monkeypatch.setenv("LAPAK_LANG", "id")
        assert i18n.gettext("Tracking number") == "Tracking number"
    assert i18n.gettext("Tracking number") == "Nomor resi"


def test_times_are_shown_in_the_stores_zone_and_labelled() -> None:
    at = datetime(2026, 12, 6, 7, 5, tzinfo=UTC)
    with i18n.using_language("id"):
        assert i18n.format_local_time(at) == "6 Des 14:05 WIB"
        assert i18n.format_local_time(at, "WITA") == "6 Des 15:05 WITA"
        assert i18n.format_local_time(at, "wit") == "6 Des 16:05 WIT"
        assert i18n.format_local_time(at, "Asia/Makassar") == "6 Des 15:05 WITA"
        assert i18n.format_local_time(at, "Asia/Singapore") == "6 Des 15:05 UTC+8"
        assert i18n.format_clock(at, "WIB") == "14:05 WIB"
        assert i18n.format_local_time(at.replace(month=5)) == "6 Mei 14:05 WIB"
        assert i18n.format_local_time(None) == "-"
    with i18n.using_language("en"):
        assert i18n.format_local_time(at) == "6 Dec 14:05 WIB"
    with pytest.raises(ValueError, match="use WIB, WITA, WIT or an IANA name"):
        i18n.zone_of("Mars/Olympus")


def test_time_left_is_said_in_the_resellers_words() -> None:
    now = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    with i18n.using_language("id"):
        left = i18n.format_time_left(now + timedelta(hours=2, minutes=5), now)
        assert left == "Sisa waktu 2 jam 5 menit"
        assert i18n.format_time_left(now - timedelta(minutes=40), now) == "Terlambat 40 menit"
        assert i18n.format_time_left(now + timedelta(days=1, hours=3), now) == (
            "Sisa waktu 1 hari 3 jam"
        )


def test_every_marked_string_has_an_indonesian_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "--quiet", "extract", "-F", str(ROOT / "sync/locale/babel.cfg"),
         "-o", str(pot), "--no-location",
         str(ROOT / "sync"), str(ROOT / "web"), str(ROOT / "jobs"), str(ROOT / "config")]
    )  # fmt: skip
    with pot.open("rb") as extracted:
        marked = [m for m in read_po(extracted) if m.id]
    with ID_CATALOG.open("rb") as source:
        catalog = read_po(source, locale="id")
    assert len(marked) > 100  # the extraction found the templates and the Python
    untranslated = []
    for message in marked:
        found = catalog.get(message.id)
        strings = (
            (found.string if isinstance(found.string, tuple) else (found.string,)) if found else ()
        )
        if not found or found.fuzzy or not all(strings):
            untranslated.append(message.id)
    assert not untranslated, f"no Indonesian translation (see README, Languages): {untranslated}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check() if errors]
    assert not problems, f"placeholders differ from the msgid: {problems}"
