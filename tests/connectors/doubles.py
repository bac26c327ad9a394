"""Test doubles for what the engine hands a connector: a pacer and a token vault. They live
in `lapak.testing.doubles` (the conformance suite's plugin uses them too)."""

from lapak.testing.doubles import CountingPacer, MemoryVault

__all__ = ["CountingPacer", "MemoryVault"]
