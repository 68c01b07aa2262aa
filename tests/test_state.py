"""Shared state on SQLite and on a real PostgreSQL: once-only events, feedback, records."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from bot.state import State, metadata

POSTGRES = os.environ.get("SPENDBOT_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.sqlite3'}"
    if not POSTGRES:
        pytest.fail("SPENDBOT_TEST_POSTGRES_URL is not set: run the tests with `bash .ci/run`, "
                    "which starts PostgreSQL")
    metadata.drop_all(State(POSTGRES).engine)  # a clean schema for each test
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
