"""Reading one order at a time from what a marketplace sends.

Every connector parses untrusted payloads (webhook bodies go through
`connectors.json_body`). The rules here are the same for all: an order that does not
validate, or holds a value Lapak cannot keep (a
quantity beyond what the database holds, an amount that is not a finite number of
rupiah, an id longer than its column, a NUL byte, which PostgreSQL cannot store in text),
is a `PermanentError` carrying that order's payload as `raw`, so the job that fetched it
can keep it for operators while the other orders go on. Display text (the buyer's name and
city, a line's name) is not worth losing an order over: it is cut to its column's length
and NUL bytes are dropped from it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from lapak.connectors.kit.validation import first_error
from lapak.sync.protocol import PermanentError
from lapak.sync.types import RemoteOrder, WebhookEvent
from pydantic import BaseModel, Field, ValidationError

MAX_COUNT = 2**31 - 1
"""The largest quantity or stock the database's integer columns hold."""
MAX_UNIX_SECONDS = 253_402_300_799
"""9999-12-31T23:59:59Z, the last second a `datetime` can hold."""
MAX_MONEY = Decimal("999999999999.99")
"""The largest amount a money column (14 digits, 2 after the point) holds."""
ID_LENGTH = 64
"""Order ids, line keys and SKUs are stored in 64-character columns."""
CURRENCY_LENGTH = 8
NAME_LENGTH = 120
"""Buyer name and city columns."""
LINE_NAME_LENGTH = 255

Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
"""A quantity or stock a marketplace reports."""
UnixSeconds = Annotated[int, Field(ge=0, le=MAX_UNIX_SECONDS)]
"""A time a marketplace gives as unix seconds (0 where it gives none)."""
StockQuantity = Annotated[int, Field(ge=-MAX_COUNT, le=MAX_COUNT)]
"""A stock level where the platform allows it below zero (WooCommerce backorders)."""
Money = Annotated[Decimal, Field(allow_inf_nan=False, ge=-MAX_MONEY, le=MAX_MONEY)]
"""A price a marketplace reports, within what a money column holds."""

DELIVERY_ID_LENGTH = 128
"""Webhook delivery ids are stored in a 128-character column."""

T = TypeVar("T")
P = TypeVar("P", bound=Callable[..., WebhookEvent])


def checked_webhook(parse: P) -> P:
    """Wraps a platform's `webhook_event(body, ...)`: an event naming an order id Lapak
    cannot fetch or keep (empty, longer than 64 characters, with a NUL byte), a delivery id
    longer than its column, or a send time out of range is a `PermanentError`."""

    @functools.wraps(parse)
    def checked(*args: Any, **kwargs: Any) -> WebhookEvent:
        event = parse(*args, **kwargs)
        for order_id in event.order_ids:
            if not order_id or len(order_id) > ID_LENGTH or "\x00" in order_id:
                raise PermanentError(f"{event.topic}: order id {order_id[:80]!r} is not an id")
        if event.delivery_id is not None and (
            len(event.delivery_id) > DELIVERY_ID_LENGTH or "\x00" in event.delivery_id
        ):
            raise PermanentError(f"{event.topic}: delivery id {event.delivery_id[:80]!r}")
        if event.sent_at is not None and not _in_range(event.sent_at):
            raise PermanentError(f"{event.topic}: send time {event.sent_at} out of range")
        return event

    return checked  # type: ignore[return-value]


def read_order(raw: Any, what: str, build: Callable[[Any], RemoteOrder]) -> RemoteOrder:
    """The order `build` makes of one order payload `raw`, checked storable.

    A validation failure or an unstorable value is a `PermanentError(raw=raw)` naming `what`
    (the platform and, when it can be read, the order id) and the field."""
    where = _order_label(raw, what)
    try:
        order = build(raw)
    except ValidationError as error:
        raise PermanentError(f"{where}: {first_error(error)}", raw=raw) from None
    except PermanentError as error:
        raise PermanentError(str(error), code=error.code, raw=raw) from None
    problem = unstorable(order := tidy(order))
    if problem:
        raise PermanentError(f"{where}: {problem}", raw=raw)
    return order


def numbered(keys: Iterable[str]) -> list[str]:
    """An order's line keys made unique within it: a key's second and later comings get
    "#2", "#3", … (an order may list the same product twice; each line is kept)."""
    seen: dict[str, int] = {}
    unique = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        unique.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return unique


def validated(model: type[BaseModel], raw: Any) -> Any:
    """`model` validated from `raw` (a `build` step for `read_order`)."""
    return model.model_validate(raw)


def _order_label(raw: Any, what: str) -> str:
    if isinstance(raw, dict):
        for key in ("order_sn", "order_id", "id", "orderId"):
            value = raw.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return f"{what} {str(value)[:ID_LENGTH]!r}"
    return what


def _display(text: str, length: int) -> str:
    return text.replace("\x00", "")[:length]


def tidy(order: RemoteOrder) -> RemoteOrder:
    """`order` with its display text cut to the columns' lengths and without NUL bytes."""
    lines = tuple(replace(line, name=_display(line.name, LINE_NAME_LENGTH)) for line in order.lines)
    return replace(
        order,
        buyer_name=_display(order.buyer_name, NAME_LENGTH),
        buyer_city=_display(order.buyer_city, NAME_LENGTH),
        lines=lines,
    )


def unstorable(order: RemoteOrder) -> str | None:
    """Why `order` cannot be kept as it is, or None."""
    texts = {"external_id": order.external_id, "currency": order.currency}
    for line in order.lines:
        texts |= {"line_key": line.line_key, "sku": line.sku}
        if not 0 <= line.quantity <= MAX_COUNT:
            return f"line {line.line_key!r}: quantity {line.quantity} out of range"
        if _bad_money(line.unit_price):
            return f"line {line.line_key!r}: unit price {line.unit_price} out of range"
    if _bad_money(order.total):
        return f"total {order.total} out of range"
    if not order.external_id:
        return "no order id"
    for name, text in texts.items():
        if "\x00" in text:
            return f"{name} holds a NUL byte"
        limit = CURRENCY_LENGTH if name == "currency" else ID_LENGTH
        if len(text) > limit:
            return f"{name} longer than {limit} characters"
    for name, moment in (
        ("created_at", order.created_at),
        ("updated_at", order.updated_at),
        ("ship_by", order.ship_by),
    ):
        if moment is not None and (moment.tzinfo is None or not _in_range(moment)):
            return f"{name} {moment} is not a time Lapak can keep"
    try:
        json.dumps(order.raw, allow_nan=False)
    except (ValueError, TypeError, RecursionError) as error:
        return f"payload cannot be kept as JSON: {error}"
    return None


def _bad_money(amount: Decimal) -> bool:
    return not amount.is_finite() or abs(amount) > MAX_MONEY


def _in_range(moment: datetime) -> bool:
    try:
        return 0 <= moment.timestamp() <= MAX_UNIX_SECONDS
    except (OverflowError, ValueError, OSError):
        return False
