"""Bulk rows paced by what Tokopedia's answers say of their limit (kit `StatedPace`).

Tokopedia counts each row of a bulk call (stock, price) as one request against a limit it
does not publish (docs/MARKETPLACES.md#tokopedia-rate-limits) but states in every answer's
X-Ratelimit-* headers: "100 req/s (burst 100)" and how many are left. A row over the limit
is refused alone (ERR_TOO_MANY_REQUEST) and must be sent again, which costs a call. So once
an answer has told the limit, the next bulk call to that endpoint waits until its rows fit
in what the bucket will hold by then; the refusal and the resend stay for what no answer
foretold (the first call, other processes on the same app).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lapak.connectors.kit.allowance import Allowance

LIMIT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*req/s\s*\(burst\s+([0-9]+)\)")


def allowance(headers: Mapping[str, str]) -> Allowance | None:
    """The allowance the headers state, or None (no limit stated, or not in that form)."""
    match = LIMIT.match(headers.get("X-Ratelimit-Limit", ""))
    remaining = headers.get("X-Ratelimit-Remaining", "").strip()
    if match is None or not remaining.isdigit() or float(match[1]) <= 0:
        return None
    return Allowance(float(match[1]), int(match[2]), int(remaining))
