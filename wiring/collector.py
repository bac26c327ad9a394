"""The cyclic garbage collector, set for a long-lived Lapak process.

CPython's defaults collect the youngest objects every 700 net allocations and, every 100
of those, walk the whole heap once a quarter of it is new. A Lapak process holds a large
heap (its imports, the ORM's mappings, the connectors' caches) and allocates fast while it
pushes and takes in orders: in a lifted 20,000-SKU Tokopedia run the collector took 1.8 s,
most of it in 21 full collections of about 85 ms (benchmarks/RESULTS.md, ninth session).
Almost everything Lapak allocates is freed by reference counting the moment it is dropped
(`connectors.http.send` lets go of the one cycle every answer made); the collector is only
for cycles, and those are still collected, later.
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 100)
"""Allocations before a young collection; young collections before a middle one; middle
ones before a full one may run (it still waits until a quarter of the heap is new)."""


def tune_collector() -> None:
    """Set the collector for a long-lived process: once, by each process's entry point after
    its start-up. What exists by then (modules, mappings, the runtime) is left out of every
    later collection (`gc.freeze`). It is not collected first: after Lapak's imports a
    collection finds a few dozen objects and costs 60 ms, which every command would pay."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
