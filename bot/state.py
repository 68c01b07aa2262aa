"""What the app remembers: events answered, questions asked, answers given, feedback, ingest runs.

SQL through SQLAlchemy Core: a SQLite file by default, PostgreSQL when
`SPENDBOT_DATABASE_URL` names one, so several web processes on several hosts share it. Slack
retries an event it thinks was acked late: whichever process inserts its `event_id` first
answers it; the primary key makes that safe under concurrent writers. Event ids and replay
records are kept a day (`RETAIN_SEEN_SECONDS`), then pruned.

The schema is Alembic's (bot/migrations/): opening a `State` upgrades the database to the
newest revision, under a lock so processes starting together take turns: a PostgreSQL
advisory lock, or a lock file beside a SQLite database. A database made before migrations
(by `metadata.create_all`) is adopted in place, its rows kept.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
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
    delete,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.spool import answer_row, taken

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = int.from_bytes(b"spendbot", "big")  # the PostgreSQL advisory lock for migrations
# Slack retries an unacknowledged event within the hour, and a replayed request is refused
# only inside its signature's five minutes, so a day keeps every id that can come back.
RETAIN_SEEN_SECONDS = 24 * 3600
PRUNE_EVERY_SECONDS = 10 * 60

# What the migrations make, for queries; a change here needs a revision in bot/migrations.
metadata = MetaData()
seen_events = Table("seen_events", metadata,
                    Column("event_id", String(64), primary_key=True),
                    Column("seen_at", Float, nullable=False, index=True))
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
# Alembic's own record, listed so that `metadata.drop_all` leaves no revision behind for a
# schema that is gone (tests drop everything this way, then open a State to rebuild it).
alembic_version = Table("alembic_version", metadata,
                        Column("version_num", String(32), primary_key=True))


def alembic_config(connection: Connection | None = None):
    """Alembic's configuration, built here rather than read from an alembic.ini, with the
    migrations found inside the installed package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision, read from the migration files' own `revision = "…"` lines:
    importing Alembic costs 0.4 s, which every `spendbot ask` would pay to learn that the
    database is already current (measured with `python -X importtime`)."""
    import re

    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revisions.update(re.findall(r'^revision = "([^"]+)"', source, re.M))
        parents.update(re.findall(r'^down_revision = "([^"]+)"', source, re.M))
    [head] = revisions - parents
    return head


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(select(alembic_version.c.version_num)).scalar()


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest revision. Cheap when it is already there (one
    query, no lock); otherwise one process at a time upgrades, and the others find it done."""
    try:
        with engine.connect() as db:
            if current_revision(db) == head_revision():
                return
    except OperationalError:
        pass  # another process holds the database while it migrates: wait for it below
    with _file_lock(engine), engine.begin() as db:
        if engine.dialect.name == "postgresql":  # released when this transaction ends
            db.execute(text("select pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        if current_revision(db) != head_revision():
            from alembic import command

            command.upgrade(alembic_config(db), "head")


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """For a SQLite file, an exclusive lock on a file beside it while migrating (SQLite's
    own locks do not cover DDL run outside a transaction, as pysqlite runs it)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _forget_connections_after_fork(engine_ref: weakref.ref) -> None:
    """A child of fork (gunicorn --preload) must not use its parent's pooled connections:
    drop them from the child's pool without closing the parent's sockets."""
    engine = engine_ref()
    if engine is not None:
        engine.dispose(close=False)


class State:
    def __init__(self, url_or_path: str | Path, retain_seen: float = RETAIN_SEEN_SECONDS,
                 prune_every: float = PRUNE_EVERY_SECONDS) -> None:
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
        os.register_at_fork(after_in_child=functools.partial(
            _forget_connections_after_fork, weakref.ref(self.engine)))
        migrate(self.engine)
        self.retain_seen = retain_seen
        self.prune_every = prune_every
        self._next_prune = 0.0
        self._prune_lock = threading.Lock()
        self.pruner: threading.Thread | None = None  # the latest pruning, for tests to join

    def first_time(self, event_id: str) -> bool:
        """True once per event id, across every process sharing this database."""
        self._prune_now_and_then()
        try:
            with self.engine.begin() as db:
                db.execute(insert(seen_events).values(event_id=event_id, seen_at=time.time()))
            return True
        except IntegrityError:
            return False

    def prune(self, now: float | None = None) -> int:
        """Forget event ids and replay records older than `retain_seen`; how many went."""
        cutoff = (time.time() if now is None else now) - self.retain_seen
        with self.engine.begin() as db:
            return db.execute(delete(seen_events).where(seen_events.c.seen_at < cutoff)).rowcount

    def _prune_now_and_then(self) -> None:
        """Prune at most once per `prune_every` seconds in this process, on a thread of its
        own so the request that triggers it does not wait (Slack's ack clock is running)."""
        now = time.time()
        if now < self._next_prune or not self._prune_lock.acquire(blocking=False):
            return
        try:
            if now < self._next_prune:
                return
            self._next_prune = now + self.prune_every
            self.pruner = threading.Thread(target=self._prune_quietly, name="prune-seen",
                                           daemon=True)
            self.pruner.start()
        finally:
            self._prune_lock.release()

    def _prune_quietly(self) -> None:
        try:
            gone = self.prune()
            if gone:
                log.info("pruned %d event ids and replay records", gone)
        except Exception as exc:  # a busy or unreachable database: the next turn retries
            log.warning("could not prune old event ids: %s", exc.__class__.__name__)

    def save_answer(self, answer, channel: str | None, user: str | None,
                    latency_ms: float | None = None) -> str:
        row = answer_row(answer, channel, user, latency_ms)
        with self.engine.begin() as db:
            db.execute(insert(answers).values(**row))
        return row["id"]

    def save_spooled(self, path: Path) -> int:
        """Save the answers the command line spooled (bot/spool.py), each once."""
        with taken(path) as rows:
            if rows:
                with self.engine.begin() as db:
                    known = {r[0] for r in db.execute(select(answers.c.id).where(
                        answers.c.id.in_([row["id"] for row in rows])))}
                    fresh = [row for row in rows if row["id"] not in known]
                    if fresh:
                        db.execute(insert(answers), fresh)
            return len(rows)

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
