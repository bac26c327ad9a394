"""`lapak catalog`: import and export the catalog, set stock."""

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
from sync.catalog_export import export_catalog

app = typer.Typer(no_args_is_help=True, help="Import and export the catalog, set stock.")


# --- messages (user-facing; kept together so they can be translated) ---
CANNOT_READ = "{file}: cannot read it: {error}"
IMPORTED = "{created} created, {updated} updated, {unchanged} unchanged, {rejected} rejected"
EXPORTED = "{count} products written to {file}"


@app.command("import")
def catalog_import(
    file: Annotated[
        Path, typer.Argument(dir_okay=False, help="The catalog: a .xlsx workbook or a CSV.")
    ],
    config: ConfigOption = Path("lapak.toml"),
    merchant: Annotated[str | None, typer.Option(help="The merchant it belongs to.")] = None,
    sheet: Annotated[
        str | None, typer.Option(help="The workbook's sheet to read (default: the first).")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="The CSV's encoding, e.g. utf-8, utf-16, cp1252 (default: detected)."),
    ] = None,
) -> None:
    """Upsert products by SKU; bad rows are reported, good rows still import.

    Columns the file lacks keep their stored values."""
    with runtime_for(config) as runtime:
        merchant_id = find_merchant_id(runtime, merchant)
        try:
            with Progress(
                TextColumn("importing"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeRemainingColumn(),
                console=err,
                transient=True,
                disable=not err.is_terminal,  # no bar, nor its blank line, in a log
            ) as progress:
                task = progress.add_task("import", total=None)
                report = import_catalog(
                    runtime.db,
                    merchant_id,
                    file,
                    encoding=encoding,
                    sheet=sheet,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
        except CatalogFileError as error:
            err.print(str(error), markup=False, highlight=False)
            raise typer.Exit(2) from None
        except OSError as error:
            message = CANNOT_READ.format(file=file, error=error.strerror or error)
            err.print(message, markup=False, highlight=False)
            raise typer.Exit(2) from None
        for problem in report.errors:
            err.print(f"{file}: {problem}", markup=False, highlight=False)
        console.print(
            IMPORTED.format(
                created=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
                rejected=len(report.errors),
            ),
            markup=False,
            soft_wrap=True,
        )
        request_store_pushes(runtime)
        if report.errors:
            raise typer.Exit(1)


@app.command("export")
def catalog_export(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="FILE.csv or FILE.xlsx to write.")],
    config: ConfigOption = Path("lapak.toml"),
    merchant: Annotated[str | None, typer.Option(help="The merchant it belongs to.")] = None,
) -> None:
    """Write the catalog in the import's columns; importing it back changes nothing."""
    with runtime_for(config) as runtime:
        merchant_id = find_merchant_id(runtime, merchant)
        try:
            count = export_catalog(runtime.db, merchant_id, file)
        except CatalogFileError as error:
            err.print(str(error), markup=False, highlight=False)
            raise typer.Exit(2) from None
        console.print(EXPORTED.format(count=count, file=file), markup=False, soft_wrap=True)


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
