"""`lapak connect STORE`: authorize Lapak on a store's marketplace (docs/connect.md).

Prints the platform's authorization link (and opens a browser when there is one), then
waits for the seller's answer, which comes back one of three ways:

- `lapak run` (or the `web` process) listens on `--port`: it receives the callback;
- nothing listens there: this command serves the callback itself while it waits;
- the seller pastes the address the browser ended on (`--paste`, or at any time when the
  terminal is interactive): useful when the browser runs on another machine.

It ends with "STORE (platform) terhubung, token berlaku sampai … WIB" — never a
token — or exit status 2 and what to do (a refused or expired code, an unknown store, a
platform without an authorization flow); in English with `LAPAK_LANG=en`.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import webbrowser
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn
from urllib.parse import parse_qsl, urlsplit

import typer
from lapak.cli.common import ConfigOption, console, dispatcher_for, err, runtime_for
from lapak.sync import connect as connecting
from lapak.sync.connections import STATE_TTL, granted_at
from lapak.sync.dispatch import Dispatcher
from lapak.sync.i18n import format_local_time, gettext
from lapak.sync.store.models import JobEvent, utcnow
from lapak.wiring.runtime import Runtime
from sqlalchemy import select

POLL_SECONDS = 0.5


def connect(
    store: Annotated[str, typer.Argument(help="The store to connect (its name in the config).")],
    config: ConfigOption = Path("lapak.toml"),
    paste: Annotated[
        bool, typer.Option(help="Paste the address the browser ended on instead of waiting.")
    ] = False,
    port: Annotated[
        int, typer.Option(help="Where Lapak's web app listens (lapak run --port).")
    ] = 8000,
) -> None:
    """Connect a store: open its marketplace's authorization link and keep what it grants."""
    with runtime_for(config) as runtime:
        base_url = runtime.config.public_url or f"http://127.0.0.1:{port}"
        try:
            started = connecting.start(runtime, store, base_url=base_url)
        except connecting.ConnectError as refused:
            _fail(refused.message)
        dispatcher = dispatcher_for(runtime)
        if started.link is None:  # no seller step (client credentials): done at once
            _finish(runtime, store, {"state": started.state}, started, dispatcher)
            return
        message = gettext("Open this link and press Authorize for %(store)s:")
        console.print(message % {"store": f"[bold]{store}[/]"})
        console.print(started.link, markup=False, highlight=False, soft_wrap=True)
        if not paste and (os.environ.get("DISPLAY") or sys.platform == "darwin"):
            webbrowser.open(started.link)
        if paste:
            _finish(runtime, store, _read_pasted(), started, dispatcher)
            return
        _wait(runtime, store, started, dispatcher, port)


def _wait(
    runtime: Runtime, store: str, started: connecting.Started, dispatcher: Dispatcher, port: int
) -> None:
    """Wait for the callback (on `lapak run`, or on a web app served here meanwhile); an
    interactive terminal may paste the address at any time instead."""
    store_id = runtime.store_ids[store]
    since = utcnow()
    server = None
    if not _listening(port):
        from lapak.web.app import create_app
        from lapak.wiring.server import serve

        server = serve(create_app(runtime, dispatcher), port=port)
        message = gettext("waiting for the marketplace to send you back to %(url)s …")
        console.print(message % {"url": server.url}, markup=False)
    else:
        message = gettext(
            "waiting for the marketplace to send you back to Lapak on port %(port)d …"
        )
        console.print(message % {"port": port}, markup=False)
    pasted: list[dict[str, str]] = []
    if sys.stdin.isatty():
        console.print(gettext("(or paste the address your browser ended on, then press Enter)"))
        threading.Thread(target=lambda: pasted.append(_read_pasted()), daemon=True).start()
    deadline = time.monotonic() + STATE_TTL.total_seconds()
    try:
        while time.monotonic() < deadline:
            if pasted:
                _finish(runtime, store, pasted[0], started, dispatcher)
                return
            outcome = _outcome(runtime, store_id, since)
            if outcome is not None:
                if outcome:
                    _fail(
                        gettext("%(store)s is not connected: %(error)s")
                        % {"store": store, "error": outcome}
                    )
                _print_connected(runtime, store, store_id)
                return
            time.sleep(POLL_SECONDS)
    finally:
        if server is not None:
            server.stop()
    _fail(
        gettext("no answer within 30 minutes: run lapak connect %(store)s again") % {"store": store}
    )


def _outcome(runtime: Runtime, store_id: int, since: datetime) -> str | None:
    """ "" once the store was connected after `since`, the error of a failed try, else
    None (still waiting)."""
    granted = granted_at(runtime.db, store_id)
    if granted is not None and granted >= since:
        return ""
    with runtime.db.session() as session:
        failed = session.scalars(
            select(JobEvent.error).where(
                JobEvent.actor == connecting.ACTOR,
                JobEvent.store_id == store_id,
                JobEvent.outcome == "error",
                JobEvent.at >= since,
            )
        ).first()
    return failed


def _finish(
    runtime: Runtime,
    store: str,
    params: dict[str, str],
    started: connecting.Started,
    dispatcher: Dispatcher,
) -> None:
    try:
        connecting.finish(
            runtime,
            store,
            params,
            redirect_uri=started.redirect_uri,
            dispatcher=dispatcher,
        )
    except connecting.ConnectError as refused:
        _fail(refused.message)
    _print_connected(runtime, store, runtime.store_ids[store])


def _print_connected(runtime: Runtime, store: str, store_id: int) -> None:
    platform = runtime.config.store(store).platform
    token = runtime.vault(store_id).peek()
    zone = runtime.config.store(store).timezone
    if token is None:
        message = gettext("connected %(store)s (%(platform)s)")
        console.print(
            message % {"store": store, "platform": platform}, markup=False, soft_wrap=True
        )
        return
    until = format_local_time(token.expires_at, zone, "d MMM yyyy HH:mm")
    message = gettext(
        "connected %(store)s (%(platform)s), token valid until %(until)s (renewed automatically)"
    )
    values = {"store": store, "platform": platform, "until": until}
    console.print(message % values, markup=False, soft_wrap=True)  # one line, whole


def _read_pasted() -> dict[str, str]:
    """The parameters of the address the seller pastes (the whole address, or its query)."""
    console.print(gettext("address: "), end="")
    line = sys.stdin.readline().strip()
    query = urlsplit(line).query if "://" in line else line.lstrip("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if not params:
        _fail(gettext("that is not the address the marketplace sent you to: paste it whole"))
    return params


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _fail(message: str) -> NoReturn:
    err.print(message, markup=False, highlight=False)
    raise typer.Exit(2)
