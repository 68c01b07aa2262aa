"""Shared state on SQLite and on a real PostgreSQL: once-only events, feedback, records;
the schema's migrations, and pruning of old event ids."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    inspect,
    select,
)

from bot.state import State, current_revision, head_revision, metadata, seen_events

POSTGRES = os.environ.get("SPENDBOT_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.sqlite3'}"
    if not POSTGRES:
        pytest.fail("SPENDBOT_TEST_POSTGRES_URL is not set: run the tests with `bash .ci/run`, "
                    "which starts PostgreSQL")
    engine = create_engine(POSTGRES)
    metadata.drop_all(engine)  # a clean schema for each test, alembic_version included
    engine.dispose()
    return POSTGRES


def claim(args: tuple[str, list[str]]) -> list[str]:
    url, event_ids = args
    state = State(url)
    return [event_id for event_id in event_ids if state.first_time(event_id)]


def test_each_event_is_claimed_once_by_concurrent_processes(database: str) -> None:
    event_ids = [f"Ev{n:05d}" for n in range(60)]
    with ProcessPoolExecutor(max_workers=6) as pool:
        claimed = [e for batch in pool.map(claim, [(database, event_ids)] * 6) for e in batch]
    assert sorted(claimed) == event_ids


class _Answer:
    question = "What are the red lines?"
    text = "[1] ..."
    status = "answered"
    citations: list = []

    def to_dict(self) -> dict:
        return {"question": self.question, "answer": self.text}


def test_feedback_questions_and_ingest_runs_are_recorded(database: str) -> None:
    state = State(database)
    answer_id = state.save_answer(_Answer(), "C0CHANNEL", "U0ASKER", latency_ms=31.5)
    feedback_id = state.save_feedback(answer_id, False, "C0CHANNEL", "U0ASKER")
    state.add_reason(feedback_id, "Missed the thresholds")
    [row] = state.feedback()
    assert (row["helpful"], row["reason"], row["question"]) == (
        0, "Missed the thresholds", "What are the red lines?")
    [asked] = state.questions()
    assert asked["latency_ms"] == 31.5 and asked["channel"] == "C0CHANNEL"
    assert state.answer(answer_id)["question"] == "What are the red lines?"

    class Report:
        collection = "spendbot-chunks-x"
        failed = [("broken.pdf", "not a readable PDF")]

        def summary(self) -> str:
            return "6 documents, 120 chunks"

    state.record_ingest(Report())
    assert state.ingest_history()[0]["summary"] == "6 documents, 120 chunks"
    # A second process opening the same database sees the same schema and rows.
    assert State(database).feedback()[0]["id"] == feedback_id


def test_a_new_database_is_made_at_the_newest_revision(database: str) -> None:
    state = State(database)
    with state.engine.connect() as db:
        assert current_revision(db) == head_revision() == "0002"
    indexes = inspect(state.engine).get_indexes("seen_events")
    assert [index["column_names"] for index in indexes] == [["seen_at"]]
    State(database)  # opening it again changes nothing


def old_schema() -> MetaData:
    """The tables as `metadata.create_all` made them before there were migrations."""
    old = MetaData()
    Table("seen_events", old, Column("event_id", String(64), primary_key=True),
          Column("seen_at", Float, nullable=False))
    Table("answers", old, Column("id", String(32), primary_key=True),
          Column("question", Text, nullable=False), Column("answer", Text, nullable=False),
          Column("status", String(32), nullable=False),
          Column("chunk_ids", Text, nullable=False), Column("payload", Text, nullable=False),
          Column("channel", String(64)), Column("user_id", String(64)),
          Column("latency_ms", Float), Column("created_at", Float, nullable=False))
    Table("feedback", old, Column("id", Integer, primary_key=True, autoincrement=True),
          Column("answer_id", String(32), nullable=False),
          Column("helpful", Integer, nullable=False), Column("reason", Text),
          Column("question", Text, nullable=False), Column("answer", Text, nullable=False),
          Column("chunk_ids", Text, nullable=False), Column("channel", String(64)),
          Column("user_id", String(64)), Column("created_at", Float, nullable=False))
    Table("ingest_runs", old, Column("id", Integer, primary_key=True, autoincrement=True),
          Column("finished_at", Float, nullable=False), Column("collection", String(128)),
          Column("summary", Text, nullable=False), Column("failed", Text, nullable=False))
    return old


def test_a_database_made_before_migrations_is_upgraded_in_place(database: str) -> None:
    old = old_schema()
    engine = create_engine(database)
    old.create_all(engine)
    now = time.time()
    with engine.begin() as db:
        db.execute(insert(old.tables["seen_events"]).values(event_id="Ev0OLD", seen_at=now))
        db.execute(insert(old.tables["answers"]).values(
            id="a" * 16, question="What are the red lines?", answer="[1] ...",
            status="answered", chunk_ids="[]", payload='{"question": "What are the red lines?"}',
            created_at=now))
        db.execute(insert(old.tables["feedback"]).values(
            answer_id="a" * 16, helpful=1, question="What are the red lines?", answer="[1] ...",
            chunk_ids="[]", created_at=now))
        db.execute(insert(old.tables["ingest_runs"]).values(
            finished_at=now, collection="spendbot-chunks-x", summary="6 documents",
            failed="[]"))
    engine.dispose()

    with ProcessPoolExecutor(max_workers=3) as pool:  # processes starting together
        assert list(pool.map(revision_after_open, [database] * 3)) == ["0002"] * 3
    state = State(database)
    assert not state.first_time("Ev0OLD")  # still remembered
    assert state.answer("a" * 16) == {"question": "What are the red lines?"}
    assert [row["helpful"] for row in state.feedback()] == [1]
    assert state.save_feedback("a" * 16, False, None, None) == 2  # the id sequence carries on
    assert [run["summary"] for run in state.ingest_history()] == ["6 documents"]
    indexes = inspect(state.engine).get_indexes("seen_events")
    assert [index["column_names"] for index in indexes] == [["seen_at"]]


def revision_after_open(url: str) -> str | None:
    state = State(url)
    with state.engine.connect() as db:
        return current_revision(db)


def test_old_event_ids_and_replay_records_are_pruned_now_and_then(database: str) -> None:
    state = State(database, retain_seen=3600, prune_every=600)
    now = time.time()
    with state.engine.begin() as db:
        db.execute(insert(seen_events), [
            {"event_id": "Ev0DAYOLD", "seen_at": now - 86400},
            {"event_id": "request:" + "0" * 56, "seen_at": now - 3700},
            {"event_id": "Ev0RECENT", "seen_at": now - 3500},
        ])
    assert state.first_time("Ev0NEW")
    state.pruner.join()
    with state.engine.connect() as db:
        kept = set(db.execute(select(seen_events.c.event_id)).scalars())
    assert kept == {"Ev0RECENT", "Ev0NEW"}

    first = state.pruner
    with state.engine.begin() as db:
        db.execute(insert(seen_events).values(event_id="Ev0STALE", seen_at=now - 86400))
    assert state.first_time("Ev0NEWER")
    assert state.pruner is first  # not again within prune_every
    assert state.prune() == 1  # when asked, it does


def test_the_command_lines_spooled_questions_are_saved_once_by_the_next_state(
        tmp_path) -> None:
    from types import SimpleNamespace

    from bot import spool
    from bot.config import Settings
    from bot.core import open_state

    settings = Settings.load(store=str(tmp_path / "store"))
    path = spool.spool_path(settings.state_file)
    answer = SimpleNamespace(question="what are the red lines?", text="…", status="answered",
                             citations=[], to_dict=lambda: {"answer": "…"})
    rows = [spool.answer_row(answer, "cli", None, 12.5) for _ in range(2)]
    spool.append(path, rows)
    saved = open_state(settings).questions()  # opening the database saves them
    assert sorted(q["id"] for q in saved) == sorted(r["id"] for r in rows)
    assert path.read_text() == ""
    spool.append(path, rows[:1])  # a save that crashed before emptying the spool
    assert len(open_state(settings).questions()) == 2


def test_an_unreadable_line_in_the_spool_is_set_aside_and_the_good_rows_are_saved(
        tmp_path, caplog) -> None:
    from types import SimpleNamespace

    from bot import spool
    from bot.config import Settings
    from bot.core import open_state

    settings = Settings.load(store=str(tmp_path / "store"))
    path = spool.spool_path(settings.state_file)
    answer = SimpleNamespace(question="what are the red lines?", text="…", status="answered",
                             citations=[], to_dict=lambda: {"answer": "…"})
    good = spool.answer_row(answer, "cli", None, 3.0)
    spool.append(path, [good])
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"id": "cut-short", "quest')  # a write cut off by a full disk
    later = spool.answer_row(answer, "cli", None, 4.0)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n" + __import__("json").dumps(later) + "\n")
    with caplog.at_level("WARNING"):
        saved = open_state(settings).questions()
    assert sorted(q["id"] for q in saved) == sorted([good["id"], later["id"]])
    assert "moved to" in caplog.text
    assert "cut-short" in spool.set_aside_path(path).read_text()
    assert path.read_text() == ""
    assert len(open_state(settings).questions()) == 2  # and the next open is fine too
