"""What the Slack app remembers: events already answered, answers given, feedback on them.

SQLite in WAL mode, so several web processes on one host share it safely: Slack retries an
event it thinks was acked late, and whichever process sees an `event_id` first answers it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path

SCHEMA = """
create table if not exists seen_events (event_id text primary key, seen_at real not null);
create table if not exists answers (
    id text primary key, question text not null, answer text not null, status text not null,
    chunk_ids text not null, payload text not null, channel text, user_id text,
    created_at real not null);
create table if not exists feedback (
    id integer primary key autoincrement, answer_id text not null, helpful integer not null,
    reason text, question text not null, answer text not null, chunk_ids text not null,
    channel text, user_id text, created_at real not null);
"""


class State:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        with self._db() as db:
            db.executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("pragma journal_mode=wal")
            db.execute("pragma busy_timeout=30000")
            self._local.db = db
        return db

    def first_time(self, event_id: str) -> bool:
        """True once per event id, across every process sharing this database."""
        cursor = self._db().execute(
            "insert or ignore into seen_events (event_id, seen_at) values (?, ?)",
            (event_id, time.time()))
        return cursor.rowcount == 1

    def save_answer(self, answer, channel: str | None, user: str | None) -> str:
        answer_id = uuid.uuid4().hex[:16]
        chunk_ids = [c.chunk_id for c in answer.citations]
        self._db().execute(
            "insert into answers values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (answer_id, answer.question, answer.text, str(answer.status), json.dumps(chunk_ids),
             json.dumps(answer.to_dict(), ensure_ascii=False), channel, user, time.time()))
        return answer_id

    def answer(self, answer_id: str) -> dict | None:
        row = self._db().execute("select payload from answers where id = ?",
                                 (answer_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_feedback(self, answer_id: str, helpful: bool, channel: str | None,
                      user: str | None, reason: str | None = None) -> int:
        row = self._db().execute("select question, answer, chunk_ids from answers where id = ?",
                                 (answer_id,)).fetchone()
        question, text, chunk_ids = row if row else ("", "", "[]")
        cursor = self._db().execute(
            "insert into feedback (answer_id, helpful, reason, question, answer, chunk_ids, "
            "channel, user_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (answer_id, int(helpful), reason, question, text, chunk_ids, channel, user,
             time.time()))
        return int(cursor.lastrowid)

    def add_reason(self, feedback_id: int, reason: str) -> None:
        self._db().execute("update feedback set reason = ? where id = ?", (reason, feedback_id))

    def feedback(self) -> list[dict]:
        cursor = self._db().execute("select * from feedback order by id")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
