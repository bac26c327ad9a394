"""Durability when processes die: the supervisor files say what the Procfile says, an order
fetched by a worker that is killed at once still lands (it is committed before its message
is acknowledged, or the message comes back), and an embedded `lapak run` SIGKILLed during
its first listing and started again lists every SKU once and takes every order once."""

from __future__ import annotations

import configparser
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lapak.sync.store.db import Database
from lapak.sync.store.models import Order, OrderLine, Reservation
from redis import Redis
from sqlalchemy import func, select

from benchmarks import harness
from tests.redis_fixture import redis_url_for

pytestmark = pytest.mark.xdist_group("deployments-b")
"""A whole deployment (web, workers, scheduler, sandboxes): under pytest-xdist the tests of
its group run one at a time on one worker (`.ci/run`: `--dist loadgroup`), so at most two
deployments share the machine."""

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ACK_REDIS_DB = 8
SHOPEE = harness.StorePlan("shopee-batiksari", "shopee")
ORDER_DETAIL = "/api/v2/order/get_order_detail"


TUNABLE = {"--host", "--port", "--processes", "--threads"}
"""Options whose values a deployment chooses for itself."""


def _shape(command: str) -> tuple[str, list[str]]:
    """A command's program name and its words, without environment assignments and the
    values of `TUNABLE` options."""
    words = [w for w in command.split() if w != "env" and "=" not in w.split("-")[0]]
    kept = [w for n, w in enumerate(words[1:], 1) if words[n - 1] not in TUNABLE]
    return Path(words[0]).name, kept


def test_supervisor_files_run_the_procfile_and_restart_always() -> None:
    procfile = harness.procfile_commands()
    wanted = {name: _shape(command) for name, command in procfile.items()}

    units = {
        "web": DEPLOY / "systemd" / "lapak-web.service",
        "worker": DEPLOY / "systemd" / "lapak-worker@.service",
        "scheduler": DEPLOY / "systemd" / "lapak-scheduler.service",
    }
    for name, path in units.items():
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read(path)
        service = unit["Service"]
        assert service["Restart"] == "always", path
        assert service["StartLimitIntervalSec"] == "0", path
        assert _shape(service["ExecStart"]) == wanted[name], path
    supervisord = configparser.ConfigParser(interpolation=None)
    supervisord.read(DEPLOY / "supervisord.conf")
    for name in procfile:
        program = supervisord[f"program:{name}"]
        assert program["autorestart"] == "true", name
        assert program["killasgroup"] == "true", name
        assert _shape(program["command"]) == wanted[name], name
    worker = supervisord["program:worker"]
    assert "dramatiq_worker_timeout" in worker["environment"]


class KillAfterResponse:
    """ASGI wrapper: once the answer to the first request on `path` is sent, run `then`."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.path = path
        self.then: Callable[[], None] | None = None
        self.fired = threading.Event()

    @property
    def state(self) -> Any:
        return self.app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or self.then is None:
            await self.app(scope, receive, send)
            return

        async def sent(message: Any) -> None:
            await send(message)
            ended = message["type"] == "http.response.body" and not message.get("more_body")
            if ended and self.then is not None and not self.fired.is_set():
                self.then()
                self.fired.set()

        await self.app(scope, receive, sent)


@pytest.fixture
def ack_redis(redis_client: Redis) -> Iterator[str]:
    """The shared Redis server's database 8, emptied before and after."""
    client = Redis.from_url(redis_url_for(ACK_REDIS_DB))
    client.flushdb()
    yield redis_url_for(ACK_REDIS_DB)
    client.flushdb()
    client.close()


def _counts(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        return (
            int(session.scalar(select(func.count(Order.id))) or 0),
            int(session.scalar(select(func.count(OrderLine.id))) or 0),
            int(session.scalar(select(func.count(Reservation.id))) or 0),
        )


@pytest.mark.postgres
@pytest.mark.timeout(180)
def test_worker_killed_right_after_fetching_an_order_still_takes_it_in(
    tmp_path: Path, postgres_db: Database, ack_redis: str
) -> None:
    hooks: list[KillAfterResponse] = []

    def wrap(app: Any) -> KillAfterResponse:
        hooks.append(KillAfterResponse(app, ORDER_DETAIL))
        return hooks[0]

    market = harness.Marketplaces([SHOPEE], wrap=wrap)
    processes: list[harness.Supervised] = []
    try:
        web_port = harness.free_port()
        web_url = f"http://127.0.0.1:{web_port}"
        config, secrets = harness.write_config(
            tmp_path, market, database_url=postgres_db.url, redis_url=ack_redis,
            public_url=web_url, poll_interval_seconds=3600,
        )  # fmt: skip
        env = harness.process_env(config, secrets, web_port)
        harness.write_catalog(
            tmp_path / "catalog.csv", market, items=0, sizes=1, singles=1, stock=lambda n: 5
        )
        assert (
            harness.lapak_cli(env, "catalog", "import", str(tmp_path / "catalog.csv")).returncode
            == 0
        )
        commands = harness.procfile_commands()
        worker_command = f"{commands['worker']} --processes 1 --threads 2"
        web = harness.Supervised("web", commands["web"], env, tmp_path)
        first = harness.Supervised("worker-1", worker_command, env, tmp_path)
        processes += [web, first]
        for process in processes:
            process.start()  # no scheduler: no reconciler or poll can heal what a kill lost
        assert harness.wait_until(lambda: market.stock(SHOPEE.name) == {"KOPI-0000": 5}, 60)
        assert harness.answers_health(web_url, 60), f"web never answered: see {web.log_path}"
        market.set_webhooks(web_url)

        at_kill: list[tuple[int, int, int]] = []

        def kill_and_look() -> None:
            first.kill_group()
            at_kill.append(_counts(postgres_db))

        hooks[0].then = kill_and_look
        external_id = market.controls[SHOPEE.name].place_order(SHOPEE.name, [("KOPI-0000", 1)])
        assert hooks[0].fired.wait(60), "the worker never fetched the order"
        assert not first.alive()
        assert at_kill == [(0, 0, 0)], "the order was committed before the kill: nothing proven"

        second = harness.Supervised("worker-2", worker_command, env, tmp_path)
        processes.append(second)
        second.start()
        # the killed group's message comes back once its heartbeat is stale (10 s)
        took = harness.wait_until(lambda: _counts(postgres_db)[0] == 1, 90)
        assert took is not None, (
            "the fetched order did not land within 90 s of the restart: the killed attempt's "
            "message came back and was acknowledged without taking it in"
        )
        assert harness.check_orders(postgres_db, market).lost == []
        assert _counts(postgres_db) == (1, 1, 1)
        with postgres_db.session() as session:
            assert session.scalar(select(Order.external_id)) == external_id
    finally:
        for process in processes:
            process.kill_group()
        market.close()


@pytest.mark.timeout(240)
def test_embedded_run_killed_mid_listing_lists_once_and_takes_every_order_once(
    tmp_path: Path,
) -> None:
    market = harness.Marketplaces([SHOPEE])
    run: harness.Supervised | None = None
    try:
        web_port = harness.free_port()
        web_url = f"http://127.0.0.1:{web_port}"
        config, secrets = harness.write_config(
            tmp_path, market, database_url=f"sqlite:///{tmp_path / 'lapak.db'}", redis_url=None,
            public_url=web_url, poll_interval_seconds=2,
        )  # fmt: skip
        env = harness.process_env(config, secrets, web_port)
        skus = harness.write_catalog(
            tmp_path / "catalog.csv", market, items=2, sizes=5, singles=24, stock=lambda n: 6
        )
        assert (
            harness.lapak_cli(env, "catalog", "import", str(tmp_path / "catalog.csv")).returncode
            == 0
        )
        run = harness.Supervised("lapak-run", f"lapak run --port {web_port}", env, tmp_path)
        run.start()
        market.set_webhooks(web_url)
        shop = market.controls[SHOPEE.name]
        placed = 0

        def buy(count: int) -> None:
            nonlocal placed
            listed = sorted(s for s, units in market.stock(SHOPEE.name).items() if units > 0)
            for sku in listed[:count]:
                shop.place_order(SHOPEE.name, [(sku, 1)])
                placed += 1

        assert harness.wait_until(lambda: len(market.stock(SHOPEE.name)) >= 10, 90, every=0.1)
        buy(5)
        run.kill_group()  # SIGKILL in the middle of the first listing
        listed_at_kill = len(market.stock(SHOPEE.name))
        assert listed_at_kill < len(skus), "the listing finished before the kill"
        buy(5)  # their webhooks find nobody: the polls after the restart take them in

        run.start()
        db = Database(f"sqlite:///{tmp_path / 'lapak.db'}")

        def converged() -> bool:
            truth = harness.stock_truth(db)
            return (
                not harness.check_orders(db, market).lost
                and harness.check_divergence(db, market, truth).diverged == 0
            )

        took = harness.wait_until(converged, 150)
        orders = harness.check_orders(db, market)
        divergence = harness.check_divergence(db, market, harness.stock_truth(db))
        assert took is not None, (orders.lost, divergence.examples)
        assert harness.duplicate_listings(market) == {SHOPEE.name: 0}
        assert sorted(r.sku for r in market.held(SHOPEE.name)) == sorted(skus)
        assert orders.placed == placed == 10 and orders.duplicated == 0
        assert _counts(db) == (10, 10, 10)
        db.dispose()
    finally:
        if run is not None:
            run.kill_group()
        market.close()
