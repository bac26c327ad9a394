"""The number reader: a number written either way reads back to itself in a column of its
convention; an ambiguous value never becomes a number where the column does not settle it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lapak.sync.numbers import Convention, NumberColumn, NumberError, classify, indonesian, read

amounts = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)
conventions = st.sampled_from(Convention)


@pytest.fixture(autouse=True, scope="module")
def english_messages() -> Iterator[None]:
    """These tests read the messages' English wording (the default is Bahasa Indonesia)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAPAK_LANG", "en")
        yield


def written(value: Decimal, convention: Convention, *, grouped: bool) -> str:
    """`value` as a person of `convention` writes it: grouped thousands or not, the decimal
    part only when there are cents."""
    whole, cents = divmod(value, 1)
    text = f"{int(whole):,}" if grouped else str(int(whole))
    if cents:
        text += "." + f"{cents:.2f}"[2:]
    if convention is Convention.INDONESIAN:
        text = text.translate(str.maketrans(",.", ".,"))
    return text


@given(amounts, conventions, st.booleans(), st.sampled_from(["", "Rp ", "Rp", "rp. "]))
def test_a_number_written_either_way_reads_back_to_itself(
    value: Decimal, convention: Convention, grouped: bool, prefix: str
) -> None:
    if prefix and convention is Convention.INTERNATIONAL:
        prefix = ""  # Rupiah amounts are written the Indonesian way
    text = prefix + written(value, convention, grouped=grouped)
    assert read(text, convention) == value


@given(amounts, conventions)
def test_an_unambiguous_number_reads_the_same_in_every_column(
    value: Decimal, convention: Convention
) -> None:
    text = written(value, convention, grouped=True)
    if classify(text).value is None:
        return  # e.g. 1.500: only a column's convention can read it
    assert {read(text, c) for c in (*Convention, None)} == {value}


@given(amounts)
def test_the_export_writes_numbers_that_read_back_in_any_column(value: Decimal) -> None:
    text = indonesian(value)
    assert classify(text).value == value
    assert read(text, None) == value


@given(st.integers(1, 999), st.integers(0, 999), st.sampled_from([".", ","]))
def test_an_ambiguous_value_is_never_a_number_silently(
    whole: int, part: int, separator: str
) -> None:
    text = f"{whole}{separator}{part:03d}"
    reading = classify(text)
    assert reading.value is None and reading.hint is None
    thousands = Convention.INDONESIAN if separator == "." else Convention.INTERNATIONAL
    decimal = Convention.INTERNATIONAL if separator == "." else Convention.INDONESIAN
    assert read(text, thousands) == whole * 1000 + part
    for convention in (decimal, None):
        with pytest.raises(NumberError, match="reads as"):
            read(text, convention)


@given(st.text(max_size=12))
def test_any_text_is_a_number_or_a_number_error(text: str) -> None:
    try:
        value = read(text, None)
    except NumberError as error:
        assert repr(text) in str(error)
    else:
        assert value.is_finite()


@pytest.mark.parametrize(
    ("text", "value", "hint"),
    [
        ("15.000,50", Decimal("15000.50"), Convention.INDONESIAN),
        ("Rp 15.000", Decimal(15000), Convention.INDONESIAN),
        ("Rp15.000,-", Decimal(15000), Convention.INDONESIAN),
        ("15.000,-", Decimal(15000), Convention.INDONESIAN),
        ("1.000.000", Decimal(1000000), Convention.INDONESIAN),
        ("85000,5", Decimal("85000.5"), Convention.INDONESIAN),
        ("15000.50", Decimal("15000.50"), Convention.INTERNATIONAL),
        ("15,000.50", Decimal("15000.50"), Convention.INTERNATIONAL),
        ("1,000,000", Decimal(1000000), Convention.INTERNATIONAL),
        ("0.500", Decimal("0.5"), Convention.INTERNATIONAL),
        ("15000", Decimal(15000), None),
    ],
)
def test_the_ways_a_catalog_writes_numbers(text: str, value: Decimal, hint: Convention) -> None:
    reading = classify(text)
    assert (reading.value, reading.hint) == (value, hint)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "1.00.000", "15,000,50", ".5", "5.", "1 000"])
def test_what_is_no_number(text: str) -> None:
    with pytest.raises(NumberError, match="is not a number"):
        classify(text)


def test_the_ambiguity_message_gives_both_readings_and_how_to_write_each() -> None:
    with pytest.raises(NumberError) as caught:
        read("1.500", Convention.INTERNATIONAL)
    assert str(caught.value) == "'1.500' reads as 1500 or 1.5; write 1500 or 1,5"


def test_a_column_decides_from_its_unambiguous_values() -> None:
    column = NumberColumn()
    for text in ("15.000", "185.000", "85.000,50"):
        column.observe(text)
    assert column.convention(None) is Convention.INDONESIAN
    column.observe("15000.50")  # the other way too: the column settles nothing
    assert column.convention(Convention.INDONESIAN) is None
    assert NumberColumn().convention(Convention.INDONESIAN) is Convention.INDONESIAN
