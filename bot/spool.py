"""The command line's question log, spooled: rows written to a file beside the state
database, saved into it by the next `State` opened on that database.

Why a spool: `spendbot ask` logs its questions where Slack's go, for `spendbot report`, and
writing them straight into the database means importing SQLAlchemy, 0.28 s of a cold
`spendbot ask` (once Chroma is loaded; `time.perf_counter` around the import, three runs)
for one insert after the answer is already printed. An appended JSON line costs a
millisecond. Nothing is lost: `spendbot report`, `spendbot serve` and every other command
that opens the state database save the spooled rows first, each row once (its id is the
answer's id, so a row saved twice after a crash mid-save is saved once). Only for the
default SQLite file: with `SPENDBOT_DATABASE_URL` the database may be shared by several
hosts, and the command line writes to it directly.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
ROW_KEYS = frozenset({"id", "question", "answer", "status", "chunk_ids", "payload", "channel",
                      "user_id", "latency_ms", "created_at"})


def answer_row(answer: Any, channel: str | None, user: str | None,
               latency_ms: float | None = None) -> dict:
    """One row of the `answers` table for an answer (bot/state.py stores it)."""
    return {"id": uuid.uuid4().hex[:16], "question": answer.question, "answer": answer.text,
            "status": str(answer.status),
            "chunk_ids": json.dumps([c.chunk_id for c in answer.citations]),
            "payload": json.dumps(answer.to_dict(), ensure_ascii=False), "channel": channel,
            "user_id": user, "latency_ms": latency_ms, "created_at": time.time()}


def spool_path(state_file: Path) -> Path:
    return state_file.with_name(state_file.name + ".spool.jsonl")


def set_aside_path(spool: Path) -> Path:
    """Where lines that are not rows go: kept for a maintainer to read, never saved."""
    return spool.with_name(spool.name + ".bad")


def _row(line: str) -> dict | None:
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) and set(row) == ROW_KEYS else None


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def append(path: Path, rows: Iterable[dict]) -> None:
    """Add rows to the spool, whole lines at a time, under a lock shared with `take`."""
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if lines:
        with _locked(path) as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())


@contextmanager
def taken(path: Path):
    """The spooled rows, for saving; the spool is emptied only if saving them succeeded.

    A line that is not a row (cut short by a full disk, or edited by hand) is moved aside
    with a warning rather than stopping every later command that opens the state: one bad
    line would otherwise keep the good rows after it from ever being saved."""
    if not path.exists():
        yield []
        return
    with _locked(path) as handle:
        handle.seek(0)
        rows, bad = [], []
        for line in handle:
            if line.strip():
                row = _row(line)
                (rows if row is not None else bad).append(row if row is not None else line)
        yield rows
        if bad:
            aside = set_aside_path(path)
            with open(aside, "a", encoding="utf-8") as out:
                out.writelines(line if line.endswith("\n") else line + "\n" for line in bad)
            log.warning("%d unreadable line(s) of the question log were moved to %s",
                        len(bad), aside)
        handle.truncate(0)
