"""`lapak queue`: the resellers' order queue from the terminal."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jobs.cli.common import AsOption, ConfigOption, console, dispatcher_for, err, runtime_for
from jobs.runtime import Runtime
from sync import queue as order_queue
from sync.store.models import utcnow
from sync.types import OrderStatus

app = typer.Typer(no_args_is_help=True, help="The resellers' order queue.")


def _actor(runtime: Runtime, name: str | None) -> tuple[str, list[str] | None]:
    """The reseller acting and the stores they may see (None: operator, every store)."""
    if name is None:
        token = os.environ.get("LAPAK_RESELLER_TOKEN")
        found = runtime.config.reseller_for_token(token) if token else None
        if found is None:
            if token:
                err.print("LAPAK_RESELLER_TOKEN matches no reseller of the config")
                raise typer.Exit(2)
            return "operator", None
        return found.name, list(found.stores)
    reseller = runtime.config.reseller_named(name)
    if reseller is None:
        known = ", ".join(r.name for r in runtime.config.resellers) or "none"
        err.print(f"no reseller named {name!r} in {runtime.config.path.name} (resellers: {known})")
        raise typer.Exit(2)
    return reseller.name, list(reseller.stores)


def _check_statuses(statuses: list[str]) -> None:
    """Every `--status` must be one of Lapak's order statuses (never silently matching none)."""
    allowed = [s.value for s in OrderStatus]
    for status in statuses:
        if status not in allowed:
            err.print(f"--status {status!r} is not a status; use one of: {', '.join(allowed)}")
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
    if held:
        raise order_queue.QueueError(
            "conflict", f"order {order_id} is claimed by {order.claimed_by}: pick another one"
        )
    raise order_queue.QueueError(
        "conflict", f"order {order_id} is not claimed by you: `lapak queue claim {order_id}` first"
    )


def _print_orders(orders: list[order_queue.QueueOrder]) -> None:
    table = Table("id", "store", "order", "ship by", "items", "city", "claimed by", "state")
    for order in orders:
        items = ", ".join(f"{ln.quantity}× {ln.sku}" for ln in order.lines)
        ship_by = order.ship_by.strftime("%d %b %H:%M") if order.ship_by else "-"
        table.add_row(
            str(order.id),
            order.store,
            order.external_id,
            ship_by,
            items,
            order.buyer_city,
            order.claimed_by or "",
            order.ship_state if order.ship_state != "none" else order.status,
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
        orders = order_queue.list_orders(runtime.db, stores, statuses=status or ("ready_to_ship",))
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
    console.print(f"claimed order {order.id} ({order.store} {order.external_id}) as {who}")


@app.command("release")
def queue_release(order_id: int, config: ConfigOption = Path("lapak.toml"), as_: AsOption = None):
    """Give a claimed order back to the queue."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        _require_claim(runtime, who, stores, order_id)
        order_queue.release(runtime.db, who, stores, order_id)
    console.print(f"released order {order_id}")


@app.command("pack")
def queue_pack(order_id: int, config: ConfigOption = Path("lapak.toml"), as_: AsOption = None):
    """Mark a claimed order packed."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        _require_claim(runtime, who, stores, order_id)
        order_queue.mark_packed(runtime.db, who, stores, order_id)
    console.print(f"order {order_id} packed")


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
    console.print(f"order {order.id} shipping with {tracking} (waiting for {order.platform})")


# --- jobs -----------------------------------------------------------------------------------
