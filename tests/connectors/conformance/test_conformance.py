"""Lapak's own run of the conformance suite (`lapak.testing.suite`, with its fixtures): every
platform that has a sandbox, the six built-ins here, one test per platform
(`pytest tests/connectors/conformance -k lazada` runs one). A third-party connector runs
the same suite from its own repository: `pytest -p lapak.testing --lapak-platform <platform>`.
"""

from lapak.testing.suite import *  # noqa: F403
