"""Lapak's database: models, engine and migrations."""

from lapak.sync.store.db import Database, default_database_url

__all__ = ["Database", "default_database_url"]
