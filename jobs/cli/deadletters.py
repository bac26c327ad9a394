"""`lapak jobs`: dead-lettered jobs and their replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jobs.cli.common import ConfigOption, console, runtime_for
from sync.store.models import DeadLetter, utcnow

app = typer.Typer(no_args_is_help=True, help="Failed jobs and their replay.")


@app.command("failed")
def jobs_failed(config: ConfigOption = Path("lapak.toml")) -> None:
    """Dead-lettered jobs not yet retried."""
    with runtime_for(config) as runtime, runtime.db.session() as session:
        rows = session.query(DeadLetter).filter(DeadLetter.retried_at.is_(None)).all()
        table = Table("id", "at", "actor", "args", "error")
        for row in rows:
            table.add_row(
                str(row.id),
                row.at.strftime("%Y-%m-%d %H:%M:%S"),
                row.actor,
                json.dumps(row.args),
                row.error or "",
            )
    console.print(table)


@app.command("retry")
def jobs_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Dead letter ids (default: all).")] = None,
    config: ConfigOption = Path("lapak.toml"),
) -> None:
    """Send dead-lettered jobs again (they carry ids only, so a replay is always safe)."""
    with runtime_for(config) as runtime:
        from jobs.broker import build_broker
        from jobs.runtime import install

        install(runtime)
        build_broker(runtime.config.redis_url)
        from jobs import actors

        by_name = {actor.actor_name: actor for actor in actors.ALL}
        with runtime.db.session() as session:
            query = session.query(DeadLetter).filter(DeadLetter.retried_at.is_(None))
            if ids:
                query = query.filter(DeadLetter.id.in_(ids))
            rows = [(row.id, row.actor, tuple(row.args), dict(row.kwargs)) for row in query]
        for row_id, actor_name, args, kwargs in rows:
            actor = by_name[actor_name]
            if runtime.redis is None:
                # Embedded: no worker can receive it after this command exits; run it here.
                actor(*args, **kwargs)
            else:
                actor.send_with_options(args=args, kwargs=kwargs)
            with runtime.db.session() as session:
                session.get_one(DeadLetter, row_id).retried_at = utcnow()
            console.print(
                f"{actor_name}{list(args)}: {'done' if runtime.redis is None else 'sent'}"
            )
    console.print(f"{len(rows)} jobs retried")
