"""`lapak stores`: every store at a glance (`sync.store_overview`).

Connected or not, when its access and refresh tokens die (with a warning days before a
refresh token does), when it was authorized, its last push, pull and error. Times in the
store's zone, labelled (`06-12 14:05 WIB`); `--json` gives ISO-8601 UTC. Never a token.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from lapak.cli.common import ConfigOption, console, runtime_for
from lapak.sync.i18n import _, format_local_time
from lapak.sync.store_overview import StoreOverview, complete_credentials, store_overview
from rich.table import Table

CLI_TIME = "d MMM HH:mm"
"""Day, month's name, hour:minute, then the zone's label: `6 Des 14:05 WIB` (never
`06-12`, which reads as June 12th to some and as 6 December to others)."""


def as_json(store: StoreOverview) -> dict[str, Any]:
    """One store as JSON: times ISO-8601 UTC (null when unknown)."""
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name in store.__slots__
        for value in (getattr(store, name),)
    }


def stores(
    config: ConfigOption = Path("lapak.toml"),
    json_output: Annotated[
        bool, typer.Option("--json", help="Print a JSON array, times in UTC.")
    ] = False,
) -> None:
    """Every store: connected or not, token expiry, last push, pull and error."""
    with runtime_for(config) as runtime:
        rows = store_overview(runtime.db, complete_credentials(runtime.config.stores))
        zones = {store.name: store.timezone for store in runtime.config.stores}
    if json_output:
        print(json.dumps([as_json(row) for row in rows], ensure_ascii=False, indent=2))
        return
    table = Table(
        _("Store"),
        _("Platform"),
        _("Connected"),
        _("Token expires"),
        _("Refresh token expires"),
        _("Last push"),
        _("Last pull"),
        _("Last error"),
    )
    warnings = []
    for row in rows:
        zone = zones.get(row.name)

        def at(value: datetime | None, zone: str | None = zone) -> str:
            return format_local_time(value, zone, CLI_TIME) if value else _("never")

        error = f"{at(row.last_error_at)}: {row.last_error}" if row.last_error else "-"
        table.add_row(
            row.name if row.enabled else f"{row.name} ({_('disabled')})",
            row.platform,
            _("yes") if row.connected else _("no: lapak connect %(store)s") % {"store": row.name},
            at(row.token_expires_at) if row.token_expires_at else "-",
            f"{at(row.refresh_expires_at)}{' !' if row.refresh_warning else ''}"
            if row.refresh_expires_at
            else "-",
            at(row.last_push_at),
            at(row.last_pull_at),
            error,
        )
        if row.refresh_warning:
            warnings.append(f"{row.name}: {row.refresh_warning}")
    console.print(table)
    for warning in warnings:
        console.print(f"[yellow]![/yellow] {warning}", highlight=False)
