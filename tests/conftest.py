"""Shared fixtures: a freshly migrated database on SQLite and on PostgreSQL.

`db` runs a test on both backends. PostgreSQL comes from `LAPAK_TEST_POSTGRES_URL`
(default: the local server, database `test`); when it is unreachable the PostgreSQL cases
fail, saying how to start it (tests/services.py). Every PostgreSQL test gets its own database,
cloned from a template migrated once per session, and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from lapak.sync.store.db import Database
from sqlalchemy.engine import make_url

from tests.services import require_postgres

POSTGRES_URL = os.environ.get(
    "LAPAK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _database_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    """Run a statement that cannot run inside a transaction (CREATE/DROP DATABASE)."""
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a migrated database that each test's database is cloned from."""
    require_postgres(POSTGRES_URL)
    name = f"lapak_test_template_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        template = Database(_database_url(name))
        template.migrate()
        template.dispose()  # CREATE DATABASE ... TEMPLATE needs the template unused
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_db(postgres_template: str) -> Iterator[Database]:
    name = f"lapak_test_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    db = Database(_database_url(name))
    try:
        yield db
    finally:
        db.dispose()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'lapak.db'}")
    db.migrate()
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(
        {"sqlite": "sqlite_db", "postgresql": "postgres_db"}[request.param]
    )


pytest_plugins = ["tests.redis_fixture"]

# No per-example deadline for property tests: four xdist workers share two cores with whole
# deployments, where a pure function's example can outlast Hypothesis's 200 ms default and
# fail for no fault of its own (tests/fuzz passes its own settings).
settings.register_profile("lapak", deadline=None)
settings.load_profile("lapak")

# An xdist worker starts with COLUMNS=80 and LINES=24 in its environment. Rich fixes a console's
# width from COLUMNS when the console is made (the CLI's, when `lapak.cli.common` is imported
# at collection), so a test's own COLUMNS would be ignored there; without them the console
# sizes itself when it prints, as in a run without xdist.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)
