"""The module the Procfile's `worker` process gives the dramatiq CLI.

    dramatiq lapak.jobs.worker --skip-logging

It configures JSON logs, builds the runtime from `LAPAK_CONFIG`, installs the broker
(Redis from the config or `LAPAK_REDIS_URL`), declares the actors and sets the garbage
collector for a long-lived process (`wiring.collector`).
"""

import os

from lapak.jobs.broker import build_broker
from lapak.wiring.collector import tune_collector
from lapak.wiring.logging import configure_logging
from lapak.wiring.runtime import current

configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
build_broker(current().config.redis_url)

from lapak.jobs import actors  # noqa: E402  (actors bind to the broker installed above)

tune_collector()

__all__ = ["actors"]
