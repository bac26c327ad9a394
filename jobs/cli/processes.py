"""Running Lapak: `lapak run`, `scheduler`, `sandbox` and `demo`."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from jobs.cli.common import ConfigOption, console, err, open_config
from jobs.logging import configure_logging
from jobs.runtime import Runtime


def run(
    config: ConfigOption = Path("lapak.toml"),
    threads: Annotated[int, typer.Option(help="Worker threads.")] = 8,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    port: Annotated[int, typer.Option(help="Web port on 127.0.0.1 (webhooks, /healthz).")] = 8000,
    web: Annotated[bool, typer.Option(help="Serve the web app too.")] = True,
) -> None:
    """Run web, scheduler and worker in one process (the embedded default: SQLite +
    in-process broker, or Redis/PostgreSQL when the config says so)."""
    from jobs.embedded import Embedded, run_until

    configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
    runtime = Runtime(open_config(config))
    runtime.bootstrap()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with Embedded(runtime, threads=threads, web_port=port if web else None) as lapak:
        if lapak.web_url:
            console.print(f"Lapak web: {lapak.web_url} (webhooks at /webhooks/STORE)")
        run_until(stop, duration)
    runtime.close()


def scheduler(config: ConfigOption = Path("lapak.toml")) -> None:
    """The Procfile's scheduler process: enqueue periodic jobs on Redis."""
    configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
    runtime = Runtime(open_config(config))
    if runtime.redis is None:
        err.print("the scheduler process needs Redis (lapak.redis_url or LAPAK_REDIS_URL)")
        raise typer.Exit(2)
    runtime.bootstrap()
    from jobs.broker import build_broker
    from jobs.runtime import install

    install(runtime)
    build_broker(runtime.config.redis_url)
    from jobs.scheduler import build_scheduler

    build_scheduler(runtime, blocking=True).start()


def sandbox(
    config: ConfigOption = Path("lapak.toml"),
    port: Annotated[int, typer.Option(help="First port; one port per platform.")] = 8900,
) -> None:
    """Serve the sandbox marketplaces for the config's stores on loopback ports."""
    from connectors.sandbox_server import serve
    from jobs.runtime import sandbox_shops
    from sync.registry import plugin_for

    cfg = open_config(config)
    servers = []
    for offset, platform in enumerate(sorted({s.platform for s in cfg.stores})):
        app_ = plugin_for(platform).sandbox_app(sandbox_shops(cfg, platform))
        server = serve(app_, port=port + offset)
        servers.append(server)
        console.print(f"{platform} sandbox: {server.url}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.stop()


def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo keeps its files.")
    ] = Path("."),
    duration: Annotated[float, typer.Option(help="Seconds to run before the summary.")] = 45,
    orders_per_second: Annotated[float, typer.Option(help="Simulated buyers' pace.")] = 1.0,
    port: Annotated[int, typer.Option(help="Web port on 127.0.0.1 (queue page).")] = 8000,
    chaos: Annotated[
        bool, typer.Option(help="5xx, throttling and latency on every marketplace meanwhile.")
    ] = False,
) -> None:
    """Six sandbox marketplaces, one catalog, simulated buyers, one queue: watch it sync."""
    from jobs.demo import run_demo

    summary = run_demo(directory, duration, orders_per_second, console, web_port=port, chaos=chaos)
    raise typer.Exit(0 if summary is not None else 2)


# --- catalog --------------------------------------------------------------------------------
