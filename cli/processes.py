"""Running Lapak: `lapak run`, `scheduler`, `sandbox` and `demo`."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from lapak.cli.common import ConfigOption, console, err, open_config
from lapak.sync.i18n import gettext
from lapak.wiring.logging import configure_logging
from lapak.wiring.runtime import Runtime


def run(
    config: ConfigOption = Path("lapak.toml"),
    threads: Annotated[int, typer.Option(help="Worker threads.")] = 8,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    port: Annotated[int, typer.Option(help="Web port on 127.0.0.1 (webhooks, /healthz).")] = 8000,
    web: Annotated[bool, typer.Option(help="Serve the web app too.")] = True,
) -> None:
    """Run web, scheduler and worker in one process (the embedded default: SQLite +
    in-process broker, or Redis/PostgreSQL when the config says so)."""
    from lapak.cli.embedded import Embedded, run_until

    configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
    runtime = Runtime(open_config(config))
    runtime.bootstrap()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with Embedded(runtime, threads=threads, web_port=port if web else None) as lapak:
        if lapak.web_url:
            message = gettext("Lapak web: %(url)s (webhooks at /webhooks/STORE)")
            console.print(message % {"url": lapak.web_url}, markup=False)
        run_until(stop, duration)
    runtime.close()


def scheduler(config: ConfigOption = Path("lapak.toml")) -> None:
    """The Procfile's scheduler process: enqueue periodic jobs on Redis."""
    configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
    runtime = Runtime(open_config(config))
    if runtime.redis is None:
        err.print(
            gettext("the scheduler process needs Redis (lapak.redis_url or LAPAK_REDIS_URL)"),
            markup=False,
        )
        raise typer.Exit(2)
    runtime.bootstrap()
    from lapak.jobs.broker import build_broker
    from lapak.wiring.runtime import install

    install(runtime)
    build_broker(runtime.config.redis_url)
    from lapak.jobs.scheduler import build_scheduler

    build_scheduler(runtime, blocking=True).start()


def sandbox(
    config: ConfigOption = Path("lapak.toml"),
    buyers: Annotated[
        float,
        typer.Option(help="Simulated buyers: orders per second on each marketplace (0: none)."),
    ] = 0.0,
) -> None:
    """Serve the sandbox marketplaces for the config's stores, each platform on the port
    its stores' base_url names (`lapak init --sandbox`: 8901 Shopee … 8906 WooCommerce)."""
    from lapak.cli.sandbox_plan import SandboxPlanError, plan_sandboxes, sandbox_shops
    from lapak.sandboxes.kit.images import WithPlaceholderImages
    from lapak.sandboxes.registry import sandbox_for
    from lapak.wiring.server import serve

    def say(line: str) -> None:  # whole lines: a base_url is copied from here
        console.print(line, soft_wrap=True, markup=False, highlight=False)

    cfg = open_config(config)
    try:
        plan = plan_sandboxes(cfg)
    except SandboxPlanError as refused:
        err.print(str(refused), markup=False)
        raise typer.Exit(2) from None
    if buyers < 0:
        err.print(gettext("--buyers: orders per second, 0 or more"), markup=False)
        raise typer.Exit(2)
    servers, controls = [], []
    try:
        for platform, port in sorted(plan.ports.items(), key=lambda item: item[1]):
            stores = plan.stores[platform]
            app_ = sandbox_for(platform).app(sandbox_shops(stores))
            try:
                servers.append(serve(WithPlaceholderImages(app_), port=port))
            except OSError as busy:
                message = gettext("%(platform)s sandbox: port %(port)d is taken (%(error)s)")
                values = {"platform": platform, "port": port, "error": busy.strerror}
                err.print(message % values, markup=False)
                raise typer.Exit(2) from None
            controls.append(app_.state.control)
            for _, store in stores:
                if cfg.public_url:  # the marketplace pushes order events to Lapak's webhook
                    hook = f"{cfg.public_url.rstrip('/')}/webhooks/{store.name}"
                    app_.state.control.set_webhook_url(store.name, hook)
                say(f"{store.name:<24} {platform:<12} base_url = {store.base_url}")
        for store in plan.elsewhere:
            not_sandbox = gettext("not a sandbox: %(url)s") % {"url": store.base_url}
            say(f"{store.name:<24} {store.platform:<12} {not_sandbox}")
        if servers:
            images = gettext("placeholder images: %(url)s/_sandbox/images/NAME.png on every port")
            say(images % {"url": servers[0].url})
        for control in controls:
            control.start_buyers(buyers)
        if buyers:
            say(gettext("buyers: %(rate)g orders/s on each marketplace") % {"rate": buyers})
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        stop.wait()
    finally:
        for control in controls:
            control.close()
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
    from lapak.cli.demo import run_demo

    summary = run_demo(directory, duration, orders_per_second, console, web_port=port, chaos=chaos)
    raise typer.Exit(0 if summary is not None else 2)


# --- catalog --------------------------------------------------------------------------------
