"""`lapak catalog`: import the catalog and set stock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from jobs.cli.common import (
    ConfigOption,
    console,
    err,
    find_merchant_id,
    request_store_pushes,
    runtime_for,
)
from sync.catalog import CatalogFileError, import_catalog, set_stock

app = typer.Typer(no_args_is_help=True, help="Import the catalog and set stock.")


@app.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A catalog CSV.")],
    config: ConfigOption = Path("lapak.toml"),
    merchant: Annotated[str | None, typer.Option(help="The merchant it belongs to.")] = None,
) -> None:
    """Upsert products by SKU; bad rows are reported, good rows still import."""
    with runtime_for(config) as runtime:
        merchant_id = find_merchant_id(runtime, merchant)
        with file.open("rb") as lines:  # counted as bytes: the import reports bad text
            total = max(0, sum(1 for _ in lines) - 1)
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("import", total=total)
            try:
                report = import_catalog(
                    runtime.db,
                    merchant_id,
                    file,
                    progress=lambda n: progress.update(task, completed=n),
                )
            except CatalogFileError as error:
                err.print(str(error), markup=False, highlight=False)
                raise typer.Exit(2) from None
        for problem in report.errors:
            err.print(f"{file}: {problem}", markup=False, highlight=False)
        console.print(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.errors)} rejected"
        )
        request_store_pushes(runtime)
        if report.errors:
            raise typer.Exit(1)


@app.command("set-stock")
def catalog_set_stock(
    sku: str,
    on_hand: Annotated[int, typer.Argument(min=0, help="Units on hand.")],
    config: ConfigOption = Path("lapak.toml"),
    merchant: Annotated[str | None, typer.Option(help="The merchant it belongs to.")] = None,
) -> None:
    """Set the on-hand stock of a SKU; every store gets its share pushed."""
    with runtime_for(config) as runtime:
        try:
            set_stock(runtime.db, find_merchant_id(runtime, merchant), sku, on_hand)
        except LookupError as missing:
            err.print(str(missing).strip("'\""))
            raise typer.Exit(1) from None
        request_store_pushes(runtime)
        console.print(f"{sku}: on hand {on_hand}")


# --- queue ----------------------------------------------------------------------------------
