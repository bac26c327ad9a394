"""`lapak catalog`: import and export the catalog, set stock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from lapak.cli.common import (
    ConfigOption,
    console,
    err,
    find_merchant_id,
    request_store_pushes,
    runtime_for,
)
from lapak.sync.catalog import CatalogFileError, import_catalog, set_stock
from lapak.sync.catalog_export import export_catalog
from lapak.sync.i18n import N_, translate
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

app = typer.Typer(no_args_is_help=True, help="Import and export the catalog, set stock.")


# --- messages (marked with N_, said in LAPAK_LANG's language: `sync.i18n.translate`) ---
CANNOT_READ = N_("%(file)s: cannot read it: %(error)s")
IMPORTED = N_(
    "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(rejected)d rejected"
)
EXPORTED = N_("%(count)d products written to %(file)s")
IMPORTING = N_("importing")
UNKNOWN_SKU = N_("%(sku)s is not in the catalog: import it first (lapak catalog import FILE)")
ON_HAND = N_("%(sku)s: %(on_hand)d on hand")


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
                TextColumn(translate(IMPORTING)),
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
            message = translate(CANNOT_READ, file=file, error=error.strerror or error)
            err.print(message, markup=False, highlight=False)
            raise typer.Exit(2) from None
        for problem in report.errors:
            err.print(f"{file}: {problem}", markup=False, highlight=False)
        console.print(
            translate(
                IMPORTED,
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
        console.print(translate(EXPORTED, count=count, file=file), markup=False, soft_wrap=True)


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
        except LookupError:
            err.print(translate(UNKNOWN_SKU, sku=sku), markup=False, highlight=False)
            raise typer.Exit(1) from None
        request_store_pushes(runtime)
        console.print(translate(ON_HAND, sku=sku, on_hand=on_hand), markup=False)


# --- queue ----------------------------------------------------------------------------------
