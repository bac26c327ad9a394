"""`lapak queue`: the resellers' order queue from the terminal.

What it prints for a person is in Bahasa Indonesia unless `LAPAK_LANG=en` (`sync.i18n`):
times in the store's zone, labelled (`6 Des 14:05 WIB`), amounts in Rupiah (`Rp 206.000`).
`--json` stays data for programs: UTC ISO times and amounts as decimal strings."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from lapak.cli.common import AsOption, ConfigOption, console, dispatcher_for, err, runtime_for
from lapak.sync import queue as order_queue
from lapak.sync.i18n import (
    format_clock,
    format_local_time,
    format_money,
    gettext,
    order_status_name,
)
from lapak.sync.store.models import utcnow
from lapak.sync.types import OrderStatus
from lapak.wiring.runtime import Runtime
from rich.table import Table

app = typer.Typer(no_args_is_help=True, help="The resellers' order queue.")


def _actor(runtime: Runtime, name: str | None) -> tuple[str, list[str] | None]:
    """The reseller acting and the stores they may see (None: operator, every store)."""
    _ = gettext
    if name is None:
        token = os.environ.get("LAPAK_RESELLER_TOKEN")
        found = runtime.config.reseller_for_token(token) if token else None
        if found is None:
            if token:
                err.print(_("LAPAK_RESELLER_TOKEN matches no reseller of the config"))
                raise typer.Exit(2)
            return "operator", None
        return found.name, list(found.stores)
    reseller = runtime.config.reseller_named(name)
    if reseller is None:
        known = ", ".join(r.name for r in runtime.config.resellers) or "-"
        message = _("no reseller named %(name)r in %(file)s (resellers: %(known)s)")
        err.print(message % {"name": name, "file": runtime.config.path.name, "known": known})
        raise typer.Exit(2)
    return reseller.name, list(reseller.stores)


def _check_statuses(statuses: list[str]) -> None:
    """Every `--status` must be one of Lapak's order statuses (never silently matching none)."""
    allowed = [s.value for s in OrderStatus]
    for status in statuses:
        if status not in allowed:
            message = gettext("--status %(value)r is not a status; use one of: %(allowed)s")
            err.print(message % {"value": status, "allowed": ", ".join(allowed)})
            raise typer.Exit(2)


@contextmanager
def _queue_errors() -> Iterator[None]:
    """A refused queue action is the user's error: its reason on stderr, exit status 2."""
    try:
        yield
    except order_queue.QueueError as error:
        err.print(f"{error.kind}: {error}")
        raise typer.Exit(2) from None


def _require_claim(runtime: Runtime, who: str, stores: list[str] | None, order_id: int) -> None:
    """Pack, ship and release need the actor's own unexpired claim, as on the page and the
    API (`sync.queue`): an order nobody claimed, or another reseller holds, is refused here
    with who holds it, before anything is changed."""
    order = order_queue.get_order(runtime.db, order_id, stores)
    now = utcnow()
    held = order.claimed_by is not None and (order.claim_expires_at or now) >= now
    if held and order.claimed_by == who:
        return
    _ = gettext
    if held:
        message = _("order %(id)s is claimed by %(name)s: pick another one")
        raise order_queue.QueueError(
            "conflict", message % {"id": order_id, "name": order.claimed_by}
        )
    message = _("order %(id)s is not claimed by you: `lapak queue claim %(id)s` first")
    raise order_queue.QueueError("conflict", message % {"id": order_id})


def _print_orders(orders: list[order_queue.QueueOrder]) -> None:
    _ = gettext
    table = Table(
        "id",
        _("store"),
        _("order"),
        _("ship by"),
        _("items"),
        _("total"),
        _("city"),
        _("claimed by"),
        _("state"),
    )
    for order in orders:
        items = ", ".join(
            f"{ln.quantity} × {ln.sku} @ {format_money(ln.unit_price, order.currency)}"
            for ln in order.lines
        )
        table.add_row(
            str(order.id),
            order.store,
            order.external_id,
            format_local_time(order.ship_by, order.timezone),
            items,
            format_money(order.total, order.currency),
            order.buyer_city,
            order.claimed_by or "",
            order_status_name(order.status, order.ship_state),
        )
    console.print(table)


@app.command("list")
def queue_list(
    config: ConfigOption = Path("lapak.toml"),
    as_: AsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    status: Annotated[list[str] | None, typer.Option(help="Statuses to show.")] = None,
) -> None:
    """Orders waiting to ship, most urgent first (only your stores' orders)."""
    with runtime_for(config) as runtime:
        _, stores = _actor(runtime, as_)
        _check_statuses(status or [])
        orders = order_queue.list_orders(
            runtime.db, stores, statuses=status or ("ready_to_ship",), zones=runtime.config.zones
        )
    if as_json:
        print(json.dumps([o.as_json() for o in orders], ensure_ascii=False, indent=2))
    else:
        _print_orders(orders)


@app.command("claim")
def queue_claim(
    order_id: Annotated[int | None, typer.Argument(help="Order id (default: most urgent).")] = None,
    config: ConfigOption = Path("lapak.toml"),
    as_: AsOption = None,
) -> None:
    """Take an order for 30 minutes so nobody else packs it."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        order = order_queue.claim(runtime.db, who, stores, order_id)
    until = format_clock(order.claim_expires_at, runtime.config.zones.get(order.store))
    message = gettext("claimed order %(id)s (%(store)s %(order)s) as %(who)s until %(until)s")
    console.print(
        message
        % {
            "id": order.id,
            "store": order.store,
            "order": order.external_id,
            "who": who,
            "until": until,
        },
        markup=False,
    )


@app.command("release")
def queue_release(order_id: int, config: ConfigOption = Path("lapak.toml"), as_: AsOption = None):
    """Give a claimed order back to the queue."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        _require_claim(runtime, who, stores, order_id)
        order_queue.release(runtime.db, who, stores, order_id)
    console.print(gettext("released order %(id)s") % {"id": order_id}, markup=False)


@app.command("pack")
def queue_pack(order_id: int, config: ConfigOption = Path("lapak.toml"), as_: AsOption = None):
    """Mark a claimed order packed."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        _require_claim(runtime, who, stores, order_id)
        order_queue.mark_packed(runtime.db, who, stores, order_id)
    console.print(gettext("order %(id)s packed") % {"id": order_id}, markup=False)


@app.command("ship")
def queue_ship(
    order_id: int,
    tracking: Annotated[str, typer.Argument(help="The courier's tracking number.")],
    config: ConfigOption = Path("lapak.toml"),
    as_: AsOption = None,
) -> None:
    """Ship a claimed order with a tracking number; the marketplace is told by a job."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        _require_claim(runtime, who, stores, order_id)
        order = order_queue.ship(
            runtime.db, dispatcher_for(runtime), who, stores, order_id, tracking
        )
    message = gettext("order %(id)s shipping with %(tracking)s (waiting for %(platform)s)")
    words = {"id": order.id, "tracking": tracking, "platform": order.platform}
    console.print(message % words, markup=False)


# --- jobs -----------------------------------------------------------------------------------
