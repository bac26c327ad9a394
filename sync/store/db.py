"""Engine and sessions for SQLite (the embedded default) and PostgreSQL (at scale)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import structlog
from lapak.sync.private_files import make_private
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = structlog.get_logger(__name__)

T = TypeVar("T")

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: the transaction was chosen
to give way, and running it again succeeds."""
ATTEMPTS = 6

MIGRATIONS = Path(__file__).with_name("migrations")


def default_database_url(directory: Path | str = ".") -> str:
    """`LAPAK_DATABASE_URL`, else a SQLite file `lapak.db` in `directory`."""
    return os.environ.get("LAPAK_DATABASE_URL") or f"sqlite:///{Path(directory) / 'lapak.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web process read while workers write; busy_timeout makes writers queue
    # instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def is_retryable(error: DBAPIError) -> bool:
    """A failure that running the same transaction again resolves."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(error.orig)


def _reason(error: DBAPIError) -> str:
    return getattr(error.orig, "sqlstate", None) or str(error.orig).splitlines()[0][:80]


def _make_sqlite_file_private(url: str) -> None:
    """The SQLite file (and its journal files) 0600: it holds orders and sealed tokens."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():
        make_private(path)
        for journal in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if journal.exists():
                make_private(journal)


class Database:
    """One engine and its session factory. `session()` commits on success, rolls back on error."""

    def __init__(self, url: str):
        self.url = url
        self.engine: Engine = self._create_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @staticmethod
    def _create_engine(url: str) -> Engine:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        if url.startswith("sqlite"):
            _make_sqlite_file_private(url)
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def transaction(self, work: Callable[[Session], T], *, attempts: int = ATTEMPTS) -> T:
        """Run `work` in one transaction, again from the start when the database chose it
        to give way (a deadlock, a serialization failure, SQLite's lock), with a short
        jittered pause: such a failure is never a job's failure.

        `work` must only touch the session: it may run more than once."""
        for attempt in range(1, attempts + 1):
            try:
                with self.session() as session:
                    return work(session)
            except DBAPIError as error:
                if attempt == attempts or not is_retryable(error):
                    raise
                log.info("transaction_retried", attempt=attempt, reason=_reason(error))
                time.sleep(random.uniform(0.005, 0.05) * attempt)  # nosec B311 (jitter)
        raise AssertionError("unreachable")

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()
