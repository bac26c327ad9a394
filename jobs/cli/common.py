"""What every `lapak` command shares: the consoles, the options, config and runtime."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from redis.exceptions import RedisError
from rich.console import Console

from config import ConfigError, LapakConfig, load_config
from config.envfile import load_env_file
from jobs.runtime import Runtime
from sync.dispatch import request_pushes
from sync.store.models import Merchant

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
        err.print(f"{path}: no such config file (see config/lapak.example.toml)", markup=False)
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
    running `lapak run` reconciler finds the dirty listings and requested shipments in
    the database within seconds.
    """

    def push(self, store_id: int) -> None:
        return None

    def fetch_orders(self, store_id: int, external_ids: Any) -> None:
        return None

    def ship(self, order_id: int) -> None:
        return None

    def process_webhooks(self, store_id: int) -> None:
        return None


def dispatcher_for(runtime: Runtime) -> Any:
    if runtime.redis is None:
        return _ReconcilerPicksUp()
    from jobs.broker import build_broker

    build_broker(runtime.config.redis_url)
    from jobs.actors import dispatcher

    return dispatcher


def request_store_pushes(runtime: Runtime) -> None:
    """Ask for a push of every enabled store after a catalog change.

    Embedded, nothing is asked: `request_pushes` would mark each store's push as requested
    without a job to run it, and the running `lapak run` reconciler, which finds the dirty
    listings itself, would then hold its own push back until that request went stale (a
    minute)."""
    if runtime.redis is None:
        return
    try:
        request_pushes(runtime.db, dispatcher_for(runtime), runtime.enabled_store_ids())
    except RedisError as down:
        # The change is stored and the pushes are marked requested: the workers'
        # reconciler sends them once the broker answers (a request goes stale in a minute).
        err.print(
            f"saved; the job queue is unreachable ({type(down).__name__}): the workers will "
            "push the change once it is back",
            markup=False,
        )


def find_merchant_id(runtime: Runtime, name: str | None) -> int:
    names = list(runtime.config.merchants)
    if name is None:
        if len(names) != 1:
            err.print(f"several merchants ({', '.join(names)}): name one with --merchant")
            raise typer.Exit(2)
        name = names[0]
    with runtime.db.session() as session:
        merchant = session.query(Merchant).filter_by(name=name).one_or_none()
        if merchant is None:
            err.print(f"no merchant named {name!r} in {runtime.config.path.name}")
            raise typer.Exit(2)
        return merchant.id


# --- running --------------------------------------------------------------------------------
