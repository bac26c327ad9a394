"""What every `lapak` command shares: the consoles, the options, config and runtime."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from lapak.config import ConfigError, LapakConfig, load_config
from lapak.config.envfile import load_env_file
from lapak.sync.dispatch import (
    Dispatcher,
    foreign_push_requests,
    request_pushes,
    requests_taken,
    take_push_requests,
)
from lapak.sync.i18n import gettext
from lapak.sync.reconcile import stores_with_work
from lapak.sync.store.models import Merchant
from lapak.wiring.runtime import Runtime
from redis.exceptions import RedisError
from rich.console import Console

console = Console()
err = Console(stderr=True, soft_wrap=True)  # located error lines stay whole

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config", "-c", envvar="LAPAK_CONFIG", help="The config file.", show_default=True
    ),
]
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as", help="Act as this reseller (default: LAPAK_RESELLER_TOKEN's, else operator)."
    ),
]


def open_config(path: Path) -> LapakConfig:
    load_env_file(path)
    try:
        return load_config(path)
    except ConfigError as error:
        for problem in error.problems:
            err.print(problem, markup=False, highlight=False)
        raise typer.Exit(2) from None
    except FileNotFoundError:
        message = gettext("%(path)s: no such config file (see config/lapak.example.toml)")
        err.print(message % {"path": path}, markup=False)
        raise typer.Exit(2) from None


@contextmanager
def runtime_for(path: Path) -> Iterator[Runtime]:
    runtime = Runtime(open_config(path))
    runtime.bootstrap()
    try:
        yield runtime
    finally:
        runtime.close()


class _ReconcilerPicksUp:
    """A dispatcher for CLI commands on the embedded default.

    The in-process broker of a short CLI command dies with it, so it sends nothing: the
    running `lapak run` takes over the push requests this process stamped within a second
    (`sync.dispatch.foreign_push_requests`), and its reconciler finds requested shipments
    in the database within seconds.
    """

    def push(self, store_id: int) -> None:
        return None

    def fetch_orders(self, store_id: int, external_ids: Any) -> None:
        return None

    def ship(self, order_id: int) -> None:
        return None

    def process_webhooks(self, store_id: int) -> None:
        return None


def dispatcher_for(runtime: Runtime) -> Dispatcher:
    if runtime.redis is None:
        return _ReconcilerPicksUp()
    from lapak.jobs.broker import build_broker

    build_broker(runtime.config.redis_url)
    from lapak.jobs.actors import dispatcher

    return dispatcher


TAKE_OVER_WAIT_SECONDS = 2.5
"""How long a CLI change waits to see a running embedded `lapak run` take its push requests
(it looks every `cli.embedded.PUSH_REQUEST_POLL_SECONDS`)."""


def request_store_pushes(runtime: Runtime) -> None:
    """Ask for a push of every store the catalog change gave work, and say who pushes.

    With Redis the pushes go through the job queue. Embedded, they are marked requested in
    the database, stamped with this process: a running `lapak run` takes them over within a
    second, and one started later takes them at start. The command waits a moment to tell
    which of the two it is."""
    due = sorted(stores_with_work(runtime.db))
    if not due:
        return
    if runtime.redis is None:
        quiet = _ReconcilerPicksUp()
        request_pushes(runtime.db, quiet, due)
        # a request pending for another process is stamped ours too: then whether it is
        # taken tells a running `lapak run` apart from an earlier command's leftover
        pending = [row for row in foreign_push_requests(runtime.db) if row[0] in due]
        take_push_requests(runtime.db, quiet, pending)
        deadline = time.monotonic() + TAKE_OVER_WAIT_SECONDS
        while not requests_taken(runtime.db, due):
            if time.monotonic() > deadline:
                console.print(
                    gettext(
                        "saved; no lapak run is running: %(count)d stores will be pushed when "
                        "lapak run starts"
                    )
                    % {"count": len(due)},
                    markup=False,
                )
                return
            time.sleep(0.05)
        message = gettext("pushed to %(count)d stores by the running lapak run")
        console.print(message % {"count": len(due)}, markup=False)
        return
    try:
        request_pushes(runtime.db, dispatcher_for(runtime), due)
    except RedisError as down:
        # The change is stored and the pushes are marked requested: the workers'
        # reconciler sends them once the broker answers (a request goes stale in a minute).
        err.print(
            gettext(
                "saved; the job queue is unreachable (%(error)s): the workers will push the "
                "change once it is back"
            )
            % {"error": type(down).__name__},
            markup=False,
        )
    else:
        message = gettext("pushing to %(count)d stores through the job queue")
        console.print(message % {"count": len(due)}, markup=False)


def find_merchant_id(runtime: Runtime, name: str | None) -> int:
    names = list(runtime.config.merchants)
    if name is None:
        if len(names) != 1:
            message = gettext("several merchants (%(names)s): name one with --merchant")
            err.print(message % {"names": ", ".join(names)}, markup=False)
            raise typer.Exit(2)
        name = names[0]
    with runtime.db.session() as session:
        merchant = session.query(Merchant).filter_by(name=name).one_or_none()
        if merchant is None:
            message = gettext("no merchant named %(name)r in %(file)s")
            err.print(message % {"name": name, "file": runtime.config.path.name}, markup=False)
            raise typer.Exit(2)
        return merchant.id


# --- running --------------------------------------------------------------------------------
