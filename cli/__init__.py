"""`lapak`: the command line. Thin: each command loads the config and calls into `sync/`."""

import os

import typer
from lapak.cli import catalog, deadletters, processes, queue, stores
from lapak.cli import connect as connecting
from lapak.cli import init as starter
from lapak.wiring.collector import tune_collector
from lapak.wiring.logging import configure_logging

app = typer.Typer(no_args_is_help=True, help="Lapak: one catalog, every marketplace, one queue.")
for command in (
    starter.init,
    processes.run,
    processes.scheduler,
    processes.sandbox,
    processes.demo,
):
    app.command()(command)
app.command("stores")(stores.stores)
app.command("connect")(connecting.connect)
app.add_typer(catalog.app, name="catalog")
app.add_typer(queue.app, name="queue")
app.add_typer(deadletters.app, name="jobs")


def main() -> None:
    # A person reads what a command prints; its log lines (JSON, on stderr) are for
    # warnings and errors only. `lapak run` and `lapak scheduler` log at INFO themselves.
    configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "WARNING"))
    tune_collector()  # `lapak run`, `scheduler` and `demo` are long-lived processes
    app()
