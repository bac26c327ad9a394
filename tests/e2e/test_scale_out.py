"""The Procfile's processes on Redis + PostgreSQL against two sandbox Shopee shops.

SKUs imported from CSV are listed on both shops with the right stock and price rule; 50
orders placed on shop A land in the queue once each and shop B's stock drops within
seconds; a worker killed with SIGKILL in the middle of a sync and started again leaves no
duplicate listing, order or reservation. Both ways: 1,000 SKUs with the rate limits lifted
(Lapak's own overhead), and 120 SKUs at Shopee's published limit, which Lapak paces itself
to (where pushes overlap and locks expire, if they do).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import pytest
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Order, OrderLine, Reservation
from lapak.wiring.server import serve
from redis import Redis
from sqlalchemy import func, select

from tests.redis_fixture import redis_url_for
from tests.shopee_setup import SHOP_A, SHOP_B, sandbox_app, shop_env, write_catalog, write_config

pytestmark = pytest.mark.xdist_group("deployments-b")
"""A whole deployment (web, workers, scheduler, sandboxes): under pytest-xdist the tests of
its group run one at a time on one worker (`.ci/run`: `--dist loadgroup`), so at most two
deployments share the machine."""

BIN = Path(sys.executable).parent
E2E_REDIS_DB = 11


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _wait(what: str, check: Callable[[], bool], timeout: float, logs: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.2)
    tail = "\n".join(
        f"--- {log.name}\n" + "\n".join(log.read_text().splitlines()[-15:])
        for log in sorted(logs.glob("*.log"))
    )
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tail}")


@pytest.fixture(params=["lifted", "published"])
def limits(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox(limits: str) -> Iterator[tuple[str, object]]:
    app = sandbox_app(lifted=limits == "lifted")
    with serve(app) as server:
        yield server.url, app.state.sandbox


@pytest.mark.postgres
@pytest.mark.timeout(400)
def test_procfile_processes_sync_two_shops_and_survive_a_killed_worker(
    tmp_path: Path,
    postgres_db: Database,
    redis_client: Redis,
    sandbox: tuple[str, object],
    limits: str,
) -> None:
    url, shopee = sandbox
    lifted = limits == "lifted"
    count = 1000 if lifted else 120
    Redis.from_url(redis_url_for(E2E_REDIS_DB)).flushdb()
    config = tmp_path / "lapak.toml"
    write_config(
        config, url, database_url=postgres_db.url, redis_url=redis_url_for(E2E_REDIS_DB),
        rate_limit_per_second=2000 if lifted else None,
    )  # fmt: skip
    env = shop_env(config) | {"LAPAK_LANG": "en"}  # the import report is read in English
    image = f"{url}/_sandbox/images/item.png"
    skus = write_catalog(tmp_path / "catalog.csv", image, count, stock=lambda n: 20 + n % 7)
    on_hand = {sku: 20 + n % 7 for n, sku in enumerate(skus)}
    imported = subprocess.run(
        [BIN / "lapak", "catalog", "import", tmp_path / "catalog.csv"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert f"{count} created" in imported.stdout

    worker_cmd = [
        str(BIN / "dramatiq"),
        "lapak.jobs.worker",
        "--skip-logging",
        "-p",
        "1",
        "-t",
        "4",
    ]
    worker = _start(worker_cmd, env, tmp_path / "worker-1.log")
    scheduler = _start([str(BIN / "lapak"), "scheduler"], env, tmp_path / "scheduler.log")
    processes = [worker, scheduler]
    shop_a, shop_b = SHOP_A, SHOP_B
    try:

        def all_listed() -> bool:
            return all(
                shopee.stock_of(shop_b, sku) == on_hand[sku] - 1  # type: ignore[attr-defined]
                and shopee.stock_of(shop_a, sku) == on_hand[sku]  # type: ignore[attr-defined]
                for sku in skus
            )

        _wait(f"{count} SKUs listed on both shops", all_listed, 180, tmp_path)
        middle = count // 2 + 7
        price = Decimal(10_000 + middle) * Decimal("1.1")
        expected = (price / 100).to_integral_value(rounding=ROUND_CEILING) * 100
        item = shopee.store(shop_a).catalog.find_sku(skus[middle])  # type: ignore[attr-defined]
        assert Decimal(str(item.price)) == expected

        ordered = skus[:50]
        for sku in ordered:
            shopee.place_order(shop_a, [(sku, 1)])  # type: ignore[attr-defined]

        def queued_and_b_dropped() -> bool:
            with postgres_db.session() as session:
                count = session.scalar(select(func.count(Order.id)))
            return count == 50 and all(
                shopee.stock_of(shop_b, sku) == on_hand[sku] - 2  # type: ignore[attr-defined]
                for sku in ordered
            )

        took = _wait(
            "50 orders queued and shop B's stock dropped", queued_and_b_dropped, 30, tmp_path
        )
        assert took < 15, f"shop B followed shop A's orders only after {took:.1f} s"
        print(f"\n50 orders on shop A queued and followed on shop B in {took:.1f} s ({limits})")

        # A big re-stock, slowed down by the sandbox, and the worker dies in the middle of it.
        shopee.set_faults(latency_ms=15)  # type: ignore[attr-defined]
        restock = {sku: 40 + n % 5 for n, sku in enumerate(skus)}
        write_catalog(tmp_path / "catalog.csv", image, count, stock=lambda n: 40 + n % 5)
        subprocess.run(
            [BIN / "lapak", "catalog", "import", tmp_path / "catalog.csv"],
            env=env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        _wait(
            "the re-stock to be under way",
            lambda: (
                sum(shopee.stock_of(shop_a, s) == restock[s] - (s in ordered) for s in skus)  # type: ignore[attr-defined]
                > count // 20  # a twentieth: under way, far from done
            ),
            60,
            tmp_path,
        )
        _kill(worker)
        shopee.set_faults()  # type: ignore[attr-defined]
        worker = _start(worker_cmd, env, tmp_path / "worker-2.log")
        processes.append(worker)

        def restocked() -> bool:
            """The shops hold the new stock and the database knows they do (values the
            killed worker sent but never recorded are sent again: absolute, so harmless)."""
            with postgres_db.session() as session:
                dirty = session.scalar(select(func.count(Listing.id)).where(Listing.dirty))
            return dirty == 0 and all(
                shopee.stock_of(shop_a, s) == restock[s] - (s in ordered)  # type: ignore[attr-defined]
                and shopee.stock_of(shop_b, s) == restock[s] - (s in ordered) - 1  # type: ignore[attr-defined]
                for s in skus
            )

        _wait("the re-stock to finish after the restart", restocked, 120, tmp_path)
    finally:
        for process in processes:
            _kill(process)

    for shop in (shop_a, shop_b):
        items = shopee.store(shop).catalog.listings.values()  # type: ignore[attr-defined]
        listed = [unit.sku for item in items for unit in item.units()]
        assert sorted(listed) == sorted(skus), "a SKU is listed twice or missing"
    with postgres_db.session() as session:
        assert session.scalar(select(func.count(Order.id))) == 50
        assert session.scalar(select(func.count(Listing.id)).where(Listing.dirty)) == 0
        lines = session.scalar(select(func.count(OrderLine.id)))
        assert session.scalar(select(func.count(Reservation.id))) == lines == 50
