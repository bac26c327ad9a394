"""`lapak jobs tail`: the JSON job log as readable lines, filtered, followed with -f.

The log lines are real: jobs run on a dramatiq worker with Lapak's `JobLog` middleware and
its logging configuration writing JSON into a file, as `lapak demo` does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import dramatiq
import lapak.wiring.runtime
import pytest
import structlog
from dramatiq.brokers.stub import StubBroker
from lapak.cli import app
from lapak.cli import tail as tail_module
from lapak.cli.tail import BLOCK, last_records, parse
from lapak.config import load_config
from lapak.jobs.middleware import DeadLetterRecorder, JobLog, record_counts
from lapak.sync.ops import JOB_ACTORS
from lapak.wiring.logging import configure_logging
from lapak.wiring.runtime import Runtime, install
from typer.testing import CliRunner

from tests.shopee_setup import shop_env, write_config

runner = CliRunner()


@dataclass
class JobLogFile:
    path: Path
    runtime: Runtime
    broker: StubBroker
    actors: dict[str, dramatiq.Actor]  # type: ignore[type-arg]

    def run(self, actor: str, *args: object) -> None:
        """Run one job to its end (retries included) on a worker; its lines go to the file."""
        worker = dramatiq.Worker(self.broker, worker_threads=1, worker_timeout=50)
        worker.start()
        try:
            self.actors[actor].send(*args)
            self.broker.join(self.actors[actor].queue_name, timeout=20_000, fail_fast=False)
            worker.join()
        finally:
            worker.stop()


@pytest.fixture
def job_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[JobLogFile]:
    config = tmp_path / "lapak.toml"
    write_config(config, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'l.db'}")
    for key, value in shop_env(config).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(lapak.wiring.runtime, "_current", None)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    install(runtime)
    path = tmp_path / "lapak.log"
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = path.open("a", encoding="utf-8", buffering=1)
    configure_logging("INFO", stream=stream)
    broker = StubBroker()
    broker.add_middleware(JobLog())
    broker.add_middleware(DeadLetterRecorder())
    previous = dramatiq.get_broker()
    dramatiq.set_broker(broker)

    @dramatiq.actor(queue_name="push", broker=broker, max_retries=0)
    def push_store(store_id: int) -> None:
        record_counts({"stock": 3, "prices": 1})

    @dramatiq.actor(queue_name="orders", broker=broker, max_retries=1, min_backoff=10,
                    max_backoff=20)  # fmt: skip
    def pull_orders(store_id: int) -> None:
        raise RuntimeError("shopee /api/v2/order/get_order_list: timed out")

    logging.getLogger("lapak.other").info("not a job line")
    yield JobLogFile(path, runtime, broker, {"push_store": push_store, "pull_orders": pull_orders})
    dramatiq.set_broker(previous)
    root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    structlog.reset_defaults()
    stream.close()
    runtime.close()


def tail(*args: str | Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["jobs", "tail", *[str(a) for a in args]])
    return result.exit_code, result.output.splitlines()


def test_job_lines_are_readable_and_other_lines_hidden(job_log: JobLogFile) -> None:
    job_log.run("push_store", job_log.runtime.store_ids["shop-a"])
    job_log.run("pull_orders", job_log.runtime.store_ids["shop-b"])
    code, lines = tail("--file", job_log.path)
    assert code == 0
    pushes = [line for line in lines if "push_store" in line]
    [push] = pushes
    assert "shop-a" in push and " ok " in push and "stock=3 prices=1" in push and "#1" in push
    pulls = [line for line in lines if "pull_orders" in line]
    # two attempts (one retry) then the dead letter
    assert [("error" in p, "#1" in p or "#2" in p) for p in pulls[:2]] == [(True, True)] * 2
    assert "timed out" in pulls[0] and "shop-b" in pulls[0]
    assert "dead" in pulls[-1]
    assert not any("not a job line" in line for line in lines)
    assert not any(line.lstrip().startswith("{") for line in lines)  # no raw JSON
    code, everything = tail("--file", job_log.path, "--all")
    assert any("not a job line" in line for line in everything)


def test_filters_by_store_actor_and_outcome(job_log: JobLogFile) -> None:
    shop_a, shop_b = job_log.runtime.store_ids["shop-a"], job_log.runtime.store_ids["shop-b"]
    job_log.run("push_store", shop_a)
    job_log.run("push_store", shop_b)
    job_log.run("pull_orders", shop_b)
    _, by_name = tail("--file", job_log.path, "--store", "shop-a")
    _, by_id = tail("--file", job_log.path, "--store", str(shop_a))
    assert by_name == by_id and len(by_name) == 1 and "push_store" in by_name[0]
    _, errors = tail("--file", job_log.path, "--outcome", "error")
    assert len(errors) == 2 and all("pull_orders" in line for line in errors)
    _, pushes_b = tail("--file", job_log.path, "--actor", "push_store", "--store", "shop-b")
    assert len(pushes_b) == 1 and "shop-b" in pushes_b[0]
    _, last = tail("--file", job_log.path, "-n", "1")
    assert len(last) == 1 and "dead" in last[0]


def test_follow_prints_lines_as_they_are_written_through_rotation(
    job_log: JobLogFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each time the follower has read all there is, it sleeps: the test takes that sleep as
    the event to write the next thing, so nothing waits and no write can race a read."""
    job_log.run("push_store", job_log.runtime.store_ids["shop-a"])
    line = json.dumps({"timestamp": "2026-11-29T01:00:00Z", "event": "job_finished",
                       "actor": "read_back", "store": "shop-a", "outcome": "ok",
                       "duration_ms": 5.0, "attempt": 1, "counts": {"drifted": 2}})  # fmt: skip
    rotated = line.replace("read_back", "refresh_token").replace("shop-a", "shop-b")
    followed: list[str] = []
    seen_when_idle: list[int] = []

    def append(text: str) -> None:
        with job_log.path.open("a") as file:
            file.write(text)

    def rotate() -> None:  # the old file moved away, a new one started
        job_log.path.rename(tmp_path / "lapak.log.1")
        job_log.path.write_text(rotated + "\n")

    steps = iter([
        lambda: job_log.run("pull_orders", job_log.runtime.store_ids["shop-b"]),
        lambda: append(line[:20]),  # a half-written line ...
        lambda: append(line[20:] + "\n"),  # ... is printed once it is whole
        rotate,
    ])  # fmt: skip
    finished = False

    def idle(seconds: float) -> None:
        nonlocal finished
        seen_when_idle.append(len(followed))
        step = next(steps, None)
        if step is None:
            finished = True
        else:
            step()

    with monkeypatch.context() as patched:
        patched.setattr(tail_module, "time", SimpleNamespace(sleep=idle))
        start = job_log.path.stat().st_size
        for raw in tail_module.follow(job_log.path, start, until=lambda: finished):
            followed.append(raw)  # one by one: `idle` counts them as they come
    jobs = [json.loads(raw) for raw in followed]
    jobs = [r for r in jobs if r.get("event") == "job_finished"]
    assert {r["actor"] for r in jobs[:-2]} == {"pull_orders"}  # its attempts, as they ran
    assert [r["actor"] for r in jobs[-2:]] == ["read_back", "refresh_token"]
    assert jobs[-2]["counts"] == {"drifted": 2}  # whole, not the half first
    pulled = seen_when_idle[1]
    assert seen_when_idle[1:] == [pulled, pulled, pulled + 1, pulled + 2]  # nothing for a half
    # through the command: the past lines, then following until --for is up
    code, lines = tail("--file", job_log.path, "-n", "5", "-f", "--for", "0")
    assert code == 0 and len(lines) == 1 and "refresh_token" in lines[0]


def test_the_last_lines_are_read_backwards_from_a_large_log(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    with path.open("w") as file:
        for n in range(20_000):
            record = {"timestamp": "2026-11-29T01:00:00Z", "event": "job_finished",
                      "actor": "push_store" if n % 2 else "pull_orders", "store": "s",
                      "outcome": "ok", "n": n}  # fmt: skip
            file.write(json.dumps(record) + "\n")
        file.write('{"event": "job_finished", "actor": "push_st')  # still being written
    assert path.stat().st_size > 10 * BLOCK
    found, start = last_records(path, 3, lambda r: r["actor"] == "push_store")
    assert [r["n"] for r in found] == [19_995, 19_997, 19_999]
    assert start == path.stat().st_size - len('{"event": "job_finished", "actor": "push_st')
    assert parse("not json") is None and parse('{"a": 1') is None


def test_a_missing_log_file_is_named(tmp_path: Path) -> None:
    code, lines = tail("--file", tmp_path / "nope.log")
    assert code == 2 and "nope.log: no such log file" in " ".join(lines)


@pytest.mark.parametrize(
    ("option", "allowed"),
    [("--outcome", "ok, retry, error, skipped, dead"), ("--actor", "push_store")],
)
def test_a_filter_value_that_matches_nothing_lists_the_allowed_ones(
    tmp_path: Path, option: str, allowed: str
) -> None:
    log = tmp_path / "lapak.log"
    log.write_text("")
    code, lines = tail("--file", log, option, "bogus")
    assert code == 2
    assert f"{option} 'bogus' is not one of:" in lines[0] and allowed in " ".join(lines)


def test_every_job_actor_is_a_filter_value() -> None:
    import lapak.jobs.actors

    defined = {
        name for name, value in vars(lapak.jobs.actors).items() if isinstance(value, dramatiq.Actor)
    }
    assert defined == set(JOB_ACTORS)
