"""Faults in the services around the bot: Slack errors and timeouts, Chroma's server or
PostgreSQL stopped mid-run. Answers still arrive (or the user is told), nothing twice,
no feedback silently lost, and everything recovers when the service comes back."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import KNOWLEDGE, free_port, start_chroma
from fakeslack import event, interactive, mention, post
from test_cli import spendbot
from test_slack import FORM, JSON, blocks_text, serve

from bot import core
from bot.config import Settings
from bot.slack.app import Services
from bot.state import State

POSTGRES = os.environ.get("SPENDBOT_TEST_POSTGRES_URL")


def test_slack_server_errors_are_retried_and_posted_once(fake, services) -> None:
    fake.faults["chat.update"] = [{"status": 500}, {"status": 503}]
    url, server = serve(fake, services)
    try:
        post(url, event(mention("What are the red lines?")), JSON)
        updates = fake.wait_for("chat.update", count=3)
        time.sleep(1.0)
    finally:
        server.shutdown()
    assert len(fake.called("chat.postMessage")) == 1
    assert len(fake.called("chat.update")) == 3 and "£100 million" in blocks_text(
        updates[-1]["blocks"])


def test_slack_timeouts_are_retried_and_posted_once(fake, services) -> None:
    fake.faults["chat.update"] = [{"delay": 2.5}]
    url, server = serve(fake, services, timeout=1)
    try:
        post(url, event(mention("What are the red lines?")), JSON)
        fake.wait_for("chat.update", count=2)
        time.sleep(3.0)  # the slow first attempt has finished by now too
    finally:
        server.shutdown()
    assert len(fake.called("chat.postMessage")) == 1
    updates = fake.called("chat.update")
    assert len({u["ts"] for u in updates}) == 1  # every attempt edits the same one message


def test_a_failed_placeholder_is_not_retried_and_the_answer_still_arrives(fake,
                                                                         services) -> None:
    fake.faults["chat.postMessage"] = [{"status": 500}]
    url, server = serve(fake, services)
    try:
        post(url, event(mention("What are the red lines?")), JSON)
        posts = fake.wait_for("chat.postMessage", count=2)
        time.sleep(1.0)
    finally:
        server.shutdown()
    assert len(fake.called("chat.postMessage")) == 2  # the failed placeholder, then the answer
    assert fake.called("chat.update") == []
    assert "£100 million" in blocks_text(posts[1]["blocks"])


def test_chroma_server_stopped_mid_run(tmp_path: Path, embedder) -> None:
    port = free_port()
    server = start_chroma(tmp_path / "chroma", port)
    settings = Settings(KNOWLEDGE, tmp_path / "store", chroma_url=f"http://127.0.0.1:{port}",
                        namespace="faults-")
    try:
        answerer = core.build_answerer(settings, embedder=embedder)
        assert answerer.ask("What are the red lines?").answered
        server.terminate()
        server.wait(timeout=30)
        # A serving process keeps answering from the index it holds in memory.
        answer = answerer.ask("Who does the service manager report to?")
        assert answer.answered and "reporting into the CDO" in answer.text
        # A process that starts while the server is down says so plainly.
        result = spendbot("--chroma-url", settings.chroma_url, "ask", "What are the red lines?")
        assert result.returncode == 2
        assert "The guidance index is unavailable right now" in result.stderr
        assert "Traceback" not in result.stderr
        server = start_chroma(tmp_path / "chroma", port)
        result = spendbot("--chroma-url", settings.chroma_url, "ask", "What are the red lines?",
                          env={"SPENDBOT_CHROMA_NAMESPACE": "faults-"})
        assert result.returncode == 0 and "£100 million" in result.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


def postgres(action: str) -> None:
    cluster = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True,
                             check=True).stdout.split()[:2]
    subprocess.run(["pg_ctlcluster", *cluster, action], check=True, capture_output=True)


def test_postgres_stopped_mid_run_loses_no_feedback(fake, answerer, corpus_settings) -> None:
    if not POSTGRES:
        pytest.fail("SPENDBOT_TEST_POSTGRES_URL is not set: run the tests with `bash .ci/run`")
    from bot.review import Reviewer, load_criteria
    from bot.state import metadata

    metadata.drop_all(State(POSTGRES).engine)
    state = State(POSTGRES)
    reviewer = Reviewer(answerer.retriever, load_criteria(corpus_settings.knowledge_dir))
    url, server = serve(fake, Services(answerer, reviewer, state))
    try:
        post(url, event(mention("What are the red lines?")), JSON)
        answer_id = [b for b in fake.wait_for("chat.update")[0]["blocks"]
                     if b.get("block_id") == "feedback"][0]["elements"][0]["value"]
        click = interactive({"type": "block_actions", "channel": {"id": "C0CHANNEL"},
                             "container": {"type": "message"},
                             "response_url": fake.response_url,
                             "actions": [{"action_id": "feedback_helpful", "value": answer_id,
                                          "block_id": "feedback", "type": "button",
                                          "action_ts": "1.1"}]})
        postgres("stop")
        try:
            # Questions are still answered while the database is down...
            post(url, event(mention("Who does the service manager report to?",
                                    ts="1700000050.1")), JSON)
            update = fake.wait_for("chat.update", count=2)[1]
            assert "reporting into the CDO" in blocks_text(update["blocks"])
            assert "Feedback buttons are unavailable right now" in json.dumps(update)
            # ...and a click that cannot be stored is not silently dropped: the user is told.
            post(url, click, FORM)
            told = fake.wait_for("chat.postEphemeral")[0]
            assert "couldn't record your feedback" in told["text"]
        finally:
            postgres("start")
        deadline = time.monotonic() + 30
        while True:  # the same click, once the database is back, is stored
            post(url, click, FORM)
            time.sleep(0.5)
            try:
                if state.feedback():
                    break
            except Exception:
                pass
            assert time.monotonic() < deadline, "feedback not stored after recovery"
    finally:
        server.shutdown()
    [row] = state.feedback()
    assert row["helpful"] == 1 and row["question"] == "What are the red lines?"
