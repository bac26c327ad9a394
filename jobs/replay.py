"""Sending a job again by its actor's name: the replay of a dead letter.

`lapak jobs retry` and the operator page's retry button both replay through
`sync.ops.retry_dead_letter` with the `Send` made here; the web app receives it from its
composition root (`cli/`), so web/ never imports the actors.
"""

from __future__ import annotations

from typing import Any

from lapak.sync.ops import OpsError, Send


def job_sender(*, inline: bool = False) -> Send:
    """Sends a job again by actor name through the process's broker; `inline` runs it here
    instead (a short CLI command on the embedded default: no worker would receive it)."""
    from lapak.jobs import actors

    by_name = {actor.actor_name: actor for actor in actors.ALL}

    def send(actor_name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        actor = by_name.get(actor_name)
        if actor is None:
            raise OpsError("not_found", f"no actor named {actor_name!r} in this version")
        if inline:
            actor(*args, **kwargs)
        else:
            actor.send_with_options(args=tuple(args), kwargs=kwargs)

    return send
