"""What the app remembers: events answered, questions asked, answers given, feedback, ingest runs.

SQL through SQLAlchemy Core: a SQLite file by default, PostgreSQL when
`SPENDBOT_DATABASE_URL` names one, so several web processes on several hosts share it. Slack
retries an event it thinks was acked late: whichever process inserts its `event_id` first
answers it; the primary key makes that safe under concurrent writers. The schema is created
on start.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

metadata = MetaData()
seen_events = Table("seen_events", metadata,
                    Column("event_id", String(64), primary_key=True),
                    Column("seen_at", Float, nullable=False))
answers = Table("answers", metadata,
                Column("id", String(32), primary_key=True),
                Column("question", Text, nullable=False),  # personal data already removed
                Column("answer", Text, nullable=False),
                Column("status", String(32), nullable=False),
                Column("chunk_ids", Text, nullable=False),
                Column("payload", Text, nullable=False),
                Column("channel", String(64)), Column("user_id", String(64)),
                Column("latency_ms", Float), Column("created_at", Float, nullable=False))
feedback = Table("feedback", metadata,
                 Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("answer_id", String(32), nullable=False),
                 Column("helpful", Integer, nullable=False), Column("reason", Text),
                 Column("question", Text, nullable=False), Column("answer", Text, nullable=False),
                 Column("chunk_ids", Text, nullable=False), Column("channel", String(64)),
                 Column("user_id", String(64)), Column("created_at", Float, nullable=False))
ingest_runs = Table("ingest_runs", metadata,
                    Column("id", Integer, primary_key=True, autoincrement=True),
                    Column("finished_at", Float, nullable=False),
                    Column("collection", String(128)), Column("summary", Text, nullable=False),
                    Column("failed", Text, nullable=False))


class State:
    def __init__(self, url_or_path: str | Path) -> None:
        url = str(url_or_path)
        if "://" not in url:
            Path(url).parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{url}"
        sqlite = url.startswith("sqlite")
        self.engine = create_engine(url, pool_pre_ping=True, future=True,
                                    connect_args={"timeout": 30} if sqlite else {})
        if sqlite:
            @event.listens_for(self.engine, "connect")
            def _wal(connection, _record) -> None:
                connection.execute("pragma journal_mode=wal")
                connection.execute("pragma busy_timeout=30000")
        self._create_schema()

    def _create_schema(self) -> None:
        """Create missing tables; processes starting together may race, so look again."""
        for attempt in range(5):
            try:
                metadata.create_all(self.engine)
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))  # another process is creating them

    def first_time(self, event_id: str) -> bool:
        """True once per event id, across every process sharing this database."""
        try:
            with self.engine.begin() as db:
                db.execute(insert(seen_events).values(event_id=event_id, seen_at=time.time()))
            return True
        except IntegrityError:
            return False

    def save_answer(self, answer, channel: str | None, user: str | None,
                    latency_ms: float | None = None) -> str:
        answer_id = uuid.uuid4().hex[:16]
        with self.engine.begin() as db:
            db.execute(insert(answers).values(
                id=answer_id, question=answer.question, answer=answer.text,
                status=str(answer.status),
                chunk_ids=json.dumps([c.chunk_id for c in answer.citations]),
                payload=json.dumps(answer.to_dict(), ensure_ascii=False), channel=channel,
                user_id=user, latency_ms=latency_ms, created_at=time.time()))
        return answer_id

    def answer(self, answer_id: str) -> dict | None:
        with self.engine.connect() as db:
            row = db.execute(select(answers.c.payload).where(answers.c.id == answer_id)).first()
        return json.loads(row[0]) if row else None

    def questions(self) -> list[dict]:
        with self.engine.connect() as db:
            return [dict(row._mapping) for row in
                    db.execute(select(answers).order_by(answers.c.created_at))]

    def save_feedback(self, answer_id: str, helpful: bool, channel: str | None,
                      user: str | None, reason: str | None = None) -> int | None:
        """The new feedback row's id; None when no such answer is stored, because feedback
        on nothing teaches nothing. Over-long fields are refused rather than stored cut (or,
        on SQLite, stored whole in a column declared shorter)."""
        for name, value, limit in (("answer id", answer_id, 32), ("channel", channel, 64),
                                   ("user", user, 64)):
            if value is not None and len(value) > limit:
                raise ValueError(f"{name} is {len(value)} characters; at most {limit}")
        with self.engine.begin() as db:
            row = db.execute(select(answers.c.question, answers.c.answer, answers.c.chunk_ids)
                             .where(answers.c.id == answer_id)).first()
            if row is None:
                return None
            question, text, chunk_ids = row
            result = db.execute(insert(feedback).values(
                answer_id=answer_id, helpful=int(helpful), reason=reason, question=question,
                answer=text, chunk_ids=chunk_ids, channel=channel, user_id=user,
                created_at=time.time()))
            return int(result.inserted_primary_key[0])

    def add_reason(self, feedback_id: int, reason: str) -> None:
        with self.engine.begin() as db:
            db.execute(update(feedback).where(feedback.c.id == feedback_id).values(reason=reason))

    def feedback(self) -> list[dict]:
        with self.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(select(feedback)
                                                             .order_by(feedback.c.id))]

    def record_ingest(self, report) -> None:
        with self.engine.begin() as db:
            db.execute(insert(ingest_runs).values(
                finished_at=time.time(), collection=report.collection,
                summary=report.summary(), failed=json.dumps(report.failed)))

    def ingest_history(self) -> list[dict]:
        with self.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(select(ingest_runs)
                                                             .order_by(ingest_runs.c.id))]
