"""A pass's stock in slices, each read while the one before it is written (docs/push.md,
"Reading while writing").

A push reads a store's stock before it writes over it (`sync.stock_check`). Read for a whole
chunk of 500 listings before any of them was written, the reads and the writes took turns:
at a store whose writes are paced apart (Tokopedia's rows, 100 a second) every chunk's reads
added their time to what the writes alone need, and a listing was written seconds after it
was read, while the store went on selling. In slices of one round of write calls (the
`parallel_calls` a connector sends side by side, or one call where it sends them one after
another), the next slice is read while this one is written: the reads hide behind the
writes, and no listing is written more than a slice after its read.

Slicing never costs a call: a slice ends where an item ends on platforms that batch per
item, and writes that would not fill their call are carried into the next slice's
(`whole_calls`), so a pass still makes the fewest calls the batching rules allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from lapak.sync.protocol import ConnectorLimits
from lapak.sync.stock_check import StockRow
from lapak.sync.types import StockUpdate

Write = tuple[int, StockUpdate]
"""A listing id and the absolute value to send it."""


@dataclass(frozen=True, slots=True)
class StockSlice:
    """Due stock rows read together, and when the store's orders were last pulled."""

    rows: Sequence[StockRow]
    pulled_until: datetime | None


def stock_slices(
    chunks: Iterable[tuple[Sequence[StockRow], datetime | None]], limits: ConnectorLimits
) -> Iterator[StockSlice]:
    """The due rows of each chunk (with its pull cursor) in slices of one round of write
    calls, none splitting an item where the platform batches per item."""
    calls = 1 if limits.sequential_stock_writes else max(1, limits.parallel_calls)
    size = limits.stock_batch * calls
    for rows, pulled_until in chunks:
        due = [row for row in rows if row.due]
        start = 0
        while start < len(due):
            end = min(start + size, len(due))
            if limits.batch_per_item:
                while end < len(due) and due[end].ref.item_id == due[end - 1].ref.item_id:
                    end += 1
            yield StockSlice(due[start:end], pulled_until)
            start = end


def whole_calls(
    writes: Sequence[Write], limits: ConnectorLimits
) -> tuple[list[Write], list[Write]]:
    """The writes that fill their calls, to send now, and the rest, to carry into the next
    slice's: the last partial batch where a call mixes any items; where it covers one item,
    nothing (slices end with an item), except the simple products' partial batch on a
    platform whose simple products share calls (WooCommerce)."""
    batch = limits.stock_batch
    if not limits.batch_per_item:
        whole = len(writes) // batch * batch
        return list(writes[:whole]), list(writes[whole:])
    if not limits.singles_share_calls:
        return list(writes), []
    singles = [w for w in writes if not w[1].ref.variant_id]
    carried = {w[0] for w in singles[len(singles) // batch * batch :]}
    return [w for w in writes if w[0] not in carried], [w for w in writes if w[0] in carried]
