"""What every connector test needs around a sandbox: an image host and a webhook receiver.
They live in `lapak.testing.hosts` (the conformance suite's plugin serves them too)."""

from lapak.testing.hosts import Received, images, receiver

__all__ = ["Received", "images", "receiver"]
