"""`lapak jobs`: dead-lettered jobs and their replay, and the job log followed live.

`failed` lists what ran out of retries, `retry` sends it again (the same replay as the
operator page's retry button: `sync.ops.retry_dead_letter` with `jobs.replay.job_sender`), `tail`
prints the JSON job log as readable lines (`cli.tail`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from lapak.cli.common import ConfigOption, console, err, runtime_for
from lapak.cli.tail import jobs_tail
from lapak.jobs.replay import job_sender
from lapak.sync.i18n import format_local_time, gettext
from lapak.sync.ops import OpsError, Send, dead_letters, retry_dead_letter
from lapak.wiring.runtime import Runtime
from rich.table import Table

app = typer.Typer(no_args_is_help=True, help="Failed jobs, their replay, the job log.")
app.command("tail")(jobs_tail)


@app.command("failed")
def jobs_failed(config: ConfigOption = Path("lapak.toml")) -> None:
    """Dead-lettered jobs not yet retried."""
    with runtime_for(config) as runtime:
        rows = dead_letters(runtime.db)
    _ = gettext
    table = Table("id", _("at"), "actor", "args", _("error"))
    for row in reversed(rows):  # oldest first, the newest at the bottom of the terminal
        table.add_row(
            str(row.id),
            format_local_time(row.at, pattern="yyyy-MM-dd HH:mm:ss"),
            row.actor,
            json.dumps(row.args),
            row.error or "",
        )
    console.print(table)


def _prepare(runtime: Runtime) -> Send:
    from lapak.jobs.broker import build_broker
    from lapak.wiring.runtime import install

    install(runtime)
    build_broker(runtime.config.redis_url)
    # Embedded: no worker can receive it after this command exits; run it here.
    return job_sender(inline=runtime.redis is None)


@app.command("retry")
def jobs_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Dead letter ids (default: all).")] = None,
    config: ConfigOption = Path("lapak.toml"),
) -> None:
    """Send dead-lettered jobs again (they carry ids only, so a replay is always safe)."""
    retried = 0
    problems = 0
    with runtime_for(config) as runtime:
        send = _prepare(runtime)
        wanted = ids or [row.id for row in reversed(dead_letters(runtime.db, limit=10_000))]
        for dead_letter_id in wanted:
            try:
                view = retry_dead_letter(runtime.db, dead_letter_id, send)
            except OpsError as refused:
                err.print(f"{dead_letter_id}: {refused}", markup=False)
                problems += 1
                continue
            except Exception as failure:  # run inline and failed again: it stays dead-lettered
                message = gettext("%(id)s: failed again: %(error)s")
                err.print(message % {"id": dead_letter_id, "error": failure}, markup=False)
                problems += 1
                continue
            retried += 1
            how = gettext("done") if runtime.redis is None else gettext("sent")
            console.print(f"{view.actor}{view.args}: {how}", markup=False)
    console.print(gettext("%(count)d jobs retried") % {"count": retried}, markup=False)
    if problems:
        raise typer.Exit(1)
