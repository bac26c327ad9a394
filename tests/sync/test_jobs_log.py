"""The job log and dead letters as the job layer writes them (`sync.jobs_log`), read back
through the operator's reads (`sync.ops`)."""

from __future__ import annotations

from lapak.sync import ops
from lapak.sync.jobs_log import ERROR_LIMIT, record_dead_letter, record_job_event, store_of_order
from lapak.sync.store.db import Database


def test_a_job_event_is_read_back_with_its_error_cut_to_the_limit(db: Database) -> None:
    record_job_event(
        db,
        actor="push_store",
        message_id="m-1",
        store_id=None,
        outcome="error",
        attempt=2,
        duration_ms=12.5,
        counts={"stock": 3},
        error="x" * (ERROR_LIMIT + 50),
    )
    [event] = ops.job_events(db)
    assert (event.actor, event.message_id, event.outcome, event.attempt) == (
        "push_store",
        "m-1",
        "error",
        2,
    )
    assert event.counts == {"stock": 3} and float(event.duration_ms) == 12.5
    assert event.error == "x" * ERROR_LIMIT


def test_a_message_nacked_twice_is_one_dead_letter(db: Database) -> None:
    letter = {
        "message_id": "m-2",
        "queue": "orders",
        "actor": "ship_order",
        "args": (7,),
        "kwargs": {},
        "error": "TimeoutError: marketplace did not answer",
    }
    assert record_dead_letter(db, **letter) is True
    assert record_dead_letter(db, **letter) is False
    [kept] = ops.dead_letters(db)
    assert (kept.actor, kept.args, kept.error) == (
        "ship_order",
        [7],
        "TimeoutError: marketplace did not answer",
    )
    assert ops.dead_letter_counts(db) == {"ship_order": 1}


def test_the_store_of_an_order_that_is_not_there_is_none(db: Database) -> None:
    assert store_of_order(db, 999_999) is None
