"""The module the Procfile's `worker` process gives the dramatiq CLI.

    dramatiq lapak.jobs.worker --skip-logging

It configures JSON logs, builds the runtime from `LAPAK_CONFIG`, installs the broker
(Redis from the config or `LAPAK_REDIS_URL`) and declares the actors.
"""

import os

from lapak.jobs.broker import build_broker
from lapak.wiring.logging import configure_logging
from lapak.wiring.runtime import current

configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
build_broker(current().config.redis_url)

from lapak.jobs import actors  # noqa: E402  (actors bind to the broker installed above)

__all__ = ["actors"]
