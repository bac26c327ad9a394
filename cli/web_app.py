"""The `web` process's app (the Procfile's `uvicorn --factory lapak.cli.web_app:create_app`).

A composition root: the runtime built from `LAPAK_CONFIG`, the broker from its Redis URL,
and the web app given the job layer's dispatcher, dead-letter replay and queue depths.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from lapak.web import app as web_app
from lapak.wiring.collector import tune_collector
from lapak.wiring.job_queues import current_job_queue_depths
from lapak.wiring.logging import configure_logging
from lapak.wiring.runtime import current


def create_app() -> FastAPI:
    """The web app of a `web` process: jobs go through the configured broker."""
    configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
    runtime = current()
    from lapak.jobs.broker import build_broker

    build_broker(runtime.config.redis_url)
    from lapak.jobs import actors  # declared on the broker just built
    from lapak.jobs.replay import job_sender

    app = web_app.create_app(
        runtime,
        actors.dispatcher,
        send_job=job_sender(),
        job_queues=current_job_queue_depths,
    )
    tune_collector()
    return app
