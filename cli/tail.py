"""`lapak jobs tail`: the JSON job log as readable lines, followed live with `-f`.

Every Lapak process logs one JSON object per line (`wiring.logging`) to stderr; `lapak demo`
writes its log to `lapak-demo.log` in its directory. Redirect the others to a file
(`lapak run 2>> lapak.log`) or pipe them in (`lapak run 2>&1 | lapak jobs tail --file -`).

A job's line (`job_finished`, `job_skipped`, `job_dead_lettered`) becomes

    2026-11-29 08:43:38 WIB  push_store        shop-a    ok     312 ms  #1  stock=3 prices=1
    2026-11-29 08:43:40 WIB  pull_orders       shop-b    error  1002 ms #3  TransientError: …

(the log's UTC times shown in WIB, labelled; the records' own words stay as logged)

filtered by `--store` (name or id), `--actor` and `--outcome`; `--all` shows every other
line too (its event and fields). The last `--lines` matching lines come first (read from
the end of the file, whatever its size); `-f` then follows the file as it grows, through
truncation and rotation, until interrupted (or `--for` seconds have passed).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from lapak.sync.i18n import format_local_time, gettext
from lapak.sync.ops import JOB_ACTORS
from rich.console import Console
from rich.text import Text

JOB_EVENTS = frozenset({"job_finished", "job_skipped", "job_dead_lettered"})
DEFAULT_FILE = "lapak-demo.log"
BLOCK = 64 * 1024
POLL_SECONDS = 0.2
OUTCOME_STYLE = {"ok": "green", "retry": "yellow", "error": "red", "dead": "bold red"}
OUTCOMES = ("ok", "retry", "error", "skipped", "dead")
"""What `outcome_of` gives a job's line: the values `--outcome` may take."""
_SHOWN_ELSEWHERE = frozenset(
    {"timestamp", "level", "logger", "event", "actor", "store", "store_id", "outcome",
     "duration_ms", "attempt", "counts", "error", "message_id"}
)  # fmt: skip


@dataclass(frozen=True)
class Filters:
    store: str | None = None
    actor: str | None = None
    outcome: str | None = None
    everything: bool = False

    def accept(self, record: dict[str, Any]) -> bool:
        is_job = record.get("event") in JOB_EVENTS
        if not (is_job or self.everything):
            return False
        if self.store is not None and self.store not in {
            str(record.get("store")),
            str(record.get("store_id")),
        }:
            return False
        if self.actor is not None and record.get("actor") != self.actor:
            return False
        return self.outcome is None or outcome_of(record) == self.outcome


def parse(line: str) -> dict[str, Any] | None:
    """A log line's JSON object, or None for anything else (a blank or foreign line)."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def outcome_of(record: dict[str, Any]) -> str:
    event = record.get("event")
    if event == "job_dead_lettered":
        return "dead"
    if event == "job_skipped":
        return "skipped"
    return str(record.get("outcome", ""))


WHEN_WIDTH = 23
"""`2026-11-29 08:43:38 WIB`."""


def _when(record: dict[str, Any]) -> str:
    """The record's UTC time in WIB, labelled; as logged when it is not an ISO time."""
    stamp = str(record.get("timestamp", ""))
    if not stamp:
        return " " * WHEN_WIDTH
    try:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp.replace("T", " ")[:19].ljust(WHEN_WIDTH)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return format_local_time(at, pattern="yyyy-MM-dd HH:mm:ss").ljust(WHEN_WIDTH)


def format_record(record: dict[str, Any]) -> Text:
    """One readable line; a job's outcome coloured (when the terminal shows colour)."""
    text = Text(_when(record) + "  ")
    if record.get("event") not in JOB_EVENTS:
        text.append(str(record.get("event", "")), style="dim")
        fields = [f"{k}={v}" for k, v in record.items() if k not in {"timestamp", "event"}]
        text.append("  " + " ".join(fields), style="dim")
        return text
    store = record.get("store") or record.get("store_id")
    outcome = outcome_of(record)
    text.append(f"{record.get('actor', '')!s:<17} {store or '-'!s:<12} ")
    text.append(f"{outcome:<7}", style=OUTCOME_STYLE.get(outcome, ""))
    if "duration_ms" in record:
        text.append(f" {float(record['duration_ms']):>6.0f} ms")
    if record.get("attempt"):
        text.append(f" #{record['attempt']}")
    counts = record.get("counts") or {}
    if isinstance(counts, dict) and counts:
        text.append("  " + " ".join(f"{k}={v}" for k, v in counts.items()))
    if record.get("error"):
        text.append(f"  {record['error']}", style=OUTCOME_STYLE.get(outcome, "red"))
    extra = {k: v for k, v in record.items() if k not in _SHOWN_ELSEWHERE}
    if record.get("event") != "job_finished" and extra:
        text.append("  " + " ".join(f"{k}={v}" for k, v in extra.items()), style="dim")
    return text


def _end_of_last_line(file: IO[bytes], size: int) -> int:
    """Where the file's last whole line ends (a line still being written is left out)."""
    position = size
    while position > 0:
        step = min(BLOCK, position)
        position -= step
        file.seek(position)
        newline = file.read(step).rfind(b"\n")
        if newline >= 0:
            return position + newline + 1
    return 0


def last_records(
    path: Path, count: int, accept: Callable[[dict[str, Any]], bool]
) -> tuple[list[dict[str, Any]], int]:
    """The last `count` accepted records of the file, oldest first, read backwards in
    blocks (a large log is not read whole); and where following should start (the end of
    the last whole line: one still being written is left for `follow` to read whole)."""
    found: list[dict[str, Any]] = []
    with path.open("rb") as file:
        end = _end_of_last_line(file, file.seek(0, os.SEEK_END))
        position, rest = end, b""
        while position > 0 and len(found) < count:
            step = min(BLOCK, position)
            position -= step
            file.seek(position)
            lines = (file.read(step) + rest).split(b"\n")
            rest = lines.pop(0) if position > 0 else b""  # maybe a partial line: read on
            for raw in reversed(lines):
                record = parse(raw.decode("utf-8", errors="replace"))
                if record is not None and accept(record):
                    found.append(record)
                    if len(found) == count:
                        break
    found.reverse()
    return found, end


def follow(
    path: Path, start: int, *, until: Callable[[], bool], poll: float = POLL_SECONDS
) -> Iterator[str]:
    """Lines appended to `path` from byte `start` on, until `until()` says stop. A file
    that shrank (truncated) is read again from its start; one replaced (rotated) is
    reopened from its start."""
    file: IO[bytes] | None = None
    partial = b""
    try:
        while not until():
            if file is None:
                try:
                    file = path.open("rb")
                except FileNotFoundError:
                    time.sleep(poll)
                    continue
                file.seek(start)
                start = 0
            chunk = file.read()
            if chunk:
                lines = (partial + chunk).split(b"\n")
                partial = lines.pop()
                for raw in lines:
                    yield raw.decode("utf-8", errors="replace")
                continue
            try:
                now = path.stat()
            except FileNotFoundError:
                now = None
            here = os.fstat(file.fileno())
            if now is None or now.st_ino != here.st_ino or now.st_size < file.tell():
                file.close()
                file, partial = None, b""  # rotated or truncated: from the start
                continue
            time.sleep(poll)
    finally:
        if file is not None:
            file.close()


def _stdin_lines(until: Callable[[], bool]) -> Iterator[str]:
    for line in sys.stdin:
        yield line
        if until():
            return


def _check_choice(option: str, value: str | None, allowed: tuple[str, ...]) -> None:
    """A filter value that can match nothing is a typo: refused with the values there are."""
    if value is not None and value not in allowed:
        message = gettext("%(option)s %(value)r is not one of: %(allowed)s")
        values = {"option": option, "value": value, "allowed": ", ".join(allowed)}
        Console(stderr=True, soft_wrap=True).print(message % values, markup=False)
        raise typer.Exit(2)


def jobs_tail(
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            envvar="LAPAK_LOG_FILE",
            help=f"The JSON log file ('-': standard input). Default: ./{DEFAULT_FILE}.",
        ),
    ] = None,
    follow_: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing lines as they are written.")
    ] = False,
    lines: Annotated[int, typer.Option("--lines", "-n", help="Past lines to show first.")] = 20,
    store: Annotated[str | None, typer.Option(help="Only this store (name or id).")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor (e.g. push_store).")] = None,
    outcome: Annotated[
        str | None, typer.Option(help="Only this outcome: ok, retry, error, skipped, dead.")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Every log line, not only jobs' (filters apply).")
    ] = False,
    seconds: Annotated[
        float | None, typer.Option("--for", help="Stop following after this many seconds.")
    ] = None,
) -> None:
    """The JSON job log as readable lines; `-f` follows it."""
    console = Console(highlight=False, soft_wrap=True)
    _check_choice("--outcome", outcome, OUTCOMES)
    _check_choice("--actor", actor, JOB_ACTORS)
    filters = Filters(store, actor, outcome, everything)
    deadline = None if seconds is None else time.monotonic() + seconds

    def done() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def show(raw: str) -> None:
        record = parse(raw)
        if record is not None and filters.accept(record):
            console.print(format_record(record))
        elif record is None and everything and raw.strip():
            console.print(raw.rstrip("\n"), markup=False)

    if file == "-":
        for raw in _stdin_lines(done):
            show(raw)
        return
    path = Path(file or DEFAULT_FILE)
    if not path.exists():
        message = gettext(
            "%(path)s: no such log file. Pass --file (a `lapak run 2>> lapak.log` file, or "
            "'-' for standard input), or set LAPAK_LOG_FILE."
        )
        Console(stderr=True, soft_wrap=True).print(message % {"path": path}, markup=False)
        raise typer.Exit(2)
    records, size = last_records(path, max(lines, 0), filters.accept)
    for record in records:
        console.print(format_record(record))
    if not follow_:
        return
    try:
        for raw in follow(path, size, until=done):
            show(raw)
    except KeyboardInterrupt:
        return
