"""The real Bolt app over real HTTP, with Slack-signed requests and a recording fake Web API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fakeslack import (
    BOT_USER,
    SECRET,
    FakeSlack,
    command,
    event,
    interactive,
    mention,
    post,
)
from werkzeug.serving import make_server

from bot.slack.app import Services, SlackConfig, make_client
from bot.slack.web import GUNICORN, create_web_app

REPO = Path(__file__).resolve().parents[1]
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def serve(fake: FakeSlack, services: Services, timeout: int = 10) -> tuple[str, object]:
    """The real Flask/Bolt app on loopback, its Web API calls going to `fake`."""
    config = SlackConfig("xoxb-test-token", SECRET, api_url=fake.url)
    web = create_web_app(services, config, make_client(config, timeout=timeout))
    server = make_server("127.0.0.1", 0, web, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/slack/events", server


@pytest.fixture
def app_url(fake, services):
    url, server = serve(fake, services)
    yield url
    server.shutdown()


def blocks_text(blocks: list[dict]) -> str:
    out = []
    for block in blocks:
        if block.get("text"):
            out.append(block["text"]["text"])
        out += [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)
                and isinstance(e.get("text"), str)]
    return "\n".join(out)


def test_mention_gets_a_threaded_answer_with_citation_links(fake, app_url) -> None:
    status, _, seconds = post(app_url, event(mention("What are the red lines?")), JSON)
    assert status == 200 and seconds < 3
    placeholder = fake.wait_for("chat.postMessage")[0]
    assert placeholder["thread_ts"] == "1700000001.000100"
    assert placeholder["text"].startswith("Looking that up")
    update = fake.wait_for("chat.update")[0]
    text = blocks_text(update["blocks"])
    assert re.search(r"<https://www\.gov\.uk/government/publications/digital-and-technology-"
                     r"spend-control-version-6#:~:text=[^|]+\|\[\d\] Spend control red lines", text)
    assert "£100 million" in text and "not guidance text" in text
    assert "£100 million" in update["text"] or "Spend control" in update["text"]
    assert len(update["text"]) < 400  # a notification-sized summary
    actions = [b for b in update["blocks"] if b["type"] == "actions"]
    assert {e["action_id"] for e in actions[-1]["elements"]} == {"feedback_helpful",
                                                                 "feedback_not_helpful"}


def test_direct_message_is_answered_in_its_thread(fake, app_url) -> None:
    dm = {"type": "message", "channel_type": "im", "channel": "D0DIRECT", "user": "U0ASKER",
          "text": "Who does the service manager report to?", "ts": "1700000002.000200"}
    post(app_url, event(dm), JSON)
    assert fake.wait_for("chat.postMessage")[0]["thread_ts"] == "1700000002.000200"
    assert "reporting into the CDO" in blocks_text(fake.wait_for("chat.update")[0]["blocks"])


def test_follow_up_in_a_thread_uses_the_earlier_turns(fake, app_url) -> None:
    fake.thread_messages = [
        {"type": "message", "user": "U0ASKER", "ts": "1700000003.000100",
         "text": f"<@{BOT_USER}> What does a chief technology officer do?"},
        {"type": "message", "bot_id": "B0BOTSPEND", "ts": "1700000003.000200",
         "text": "In this role, you will: …"},
        {"type": "message", "user": "U0ASKER", "ts": "1700000003.000300",
         "text": f"<@{BOT_USER}> and who does that role report to?"}]
    post(app_url, event(mention("and who does that role report to?", ts="1700000003.000300",
                                thread_ts="1700000003.000100")), JSON)
    assert fake.wait_for("conversations.replies")[0]["ts"] == "1700000003.000100"
    assert "report into" in blocks_text(fake.wait_for("chat.update")[0]["blocks"])


def test_other_bots_and_edits_are_ignored(fake, app_url) -> None:
    for inner in ({"type": "message", "channel_type": "im", "channel": "D0DIRECT",
                   "bot_id": "B0OTHER", "text": "What are the red lines?", "ts": "1.1"},
                  {"type": "message", "subtype": "message_changed", "channel_type": "im",
                   "channel": "D0DIRECT", "ts": "1.2", "message": {"text": "hi"}}):
        assert post(app_url, event(inner), JSON)[0] == 200
    time.sleep(1.0)
    assert fake.called("chat.postMessage") == []
    # The app was listening all along: a person's question is answered, and only that one.
    post(app_url, event(mention("What are the red lines?")), JSON)
    fake.wait_for("chat.update")
    assert [p["thread_ts"] for p in fake.called("chat.postMessage")] == ["1700000001.000100"]


def test_a_retried_event_is_answered_once(fake, app_url) -> None:
    body = event(mention("What are the red lines?"), event_id="Ev0RETRIED")
    post(app_url, body, JSON)
    for attempt in (1, 2):
        status, _, _ = post(app_url, body, JSON, headers={
            "X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"})
        assert status == 200
    fake.wait_for("chat.update")
    time.sleep(1.0)
    assert len(fake.called("chat.postMessage")) == 1


def test_bad_signatures_and_stale_timestamps_are_rejected(fake, app_url) -> None:
    body = event(mention("What are the red lines?"))
    assert post(app_url, body, JSON, secret="not-the-secret")[0] == 401
    assert post(app_url, body, JSON, timestamp=int(time.time()) - 600)[0] == 401
    request = urllib.request.Request(app_url, data=body.encode(), method="POST",
                                     headers={"Content-Type": JSON})
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        urllib.request.urlopen(request, timeout=10)
    assert unsigned.value.code == 401
    for body, kind in ((command("ask What are the red lines?", fake.response_url), FORM),
                       (interactive({"type": "block_actions", "actions": []}), FORM)):
        assert post(app_url, body, kind, secret="not-the-secret")[0] == 401
    time.sleep(0.5)
    assert fake.called("chat.postMessage") == [] and fake.called("response_url") == []


def test_rate_limited_calls_are_retried_after_the_wait(fake, app_url) -> None:
    fake.faults["chat.update"] = [{"status": 429, "headers": {"Retry-After": "1"}}]
    started = time.monotonic()
    post(app_url, event(mention("What are the red lines?")), JSON)
    updates = fake.wait_for("chat.update", count=2)
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    assert updates[0]["ts"] == updates[1]["ts"]


def test_over_long_question_gets_the_limit_message(fake, app_url) -> None:
    post(app_url, event(mention("What are the red lines? " * 300)), JSON)
    update = fake.wait_for("chat.update")[0]
    assert "too long" in update["text"] and "4,000 characters" in update["text"]


def test_user_text_cannot_ping_or_inject_links(fake, app_url) -> None:
    post(app_url, event(mention("<!channel> <https://evil.example|click> bread recipes?")), JSON)
    update = fake.wait_for("chat.update")[0]
    rendered = json.dumps(update)
    assert "<!channel>" not in rendered and "evil.example|click>" not in rendered


def test_internal_errors_reach_the_user_as_an_apology(fake, services, caplog) -> None:
    class Broken:
        retriever = services.answerer.retriever

        def ask(self, question, history=()):
            raise RuntimeError("xoxb-secret-token leaked in a stack trace")

    url, server = serve(fake, Services(Broken(), services.reviewer, services.state))
    try:
        post(url, event(mention("What are the red lines?")), JSON)
        update = fake.wait_for("chat.update")[0]
    finally:
        server.shutdown()
    assert re.search(r"Sorry, something went wrong on my side.*reference [0-9a-f]{8}",
                     update["text"])
    assert "Traceback" not in json.dumps(update) and "xoxb" not in json.dumps(update)


def test_slash_ask_is_ephemeral_with_a_share_button(fake, app_url, state) -> None:
    status, body, seconds = post(app_url, command("ask What are the red lines?",
                                                  fake.response_url), FORM)
    assert status == 200 and seconds < 3 and "Looking that up" in body
    reply = fake.wait_for("response_url")[0]
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is True
    share = next(e for b in reply["blocks"] if b.get("block_id") == "answer_actions"
                 for e in b["elements"] if e["action_id"] == "share_answer")
    post(app_url, interactive({"type": "block_actions", "channel": {"id": "C0CHANNEL"},
                               "container": {"type": "message", "is_ephemeral": True},
                               "response_url": fake.response_url,
                               "actions": [{"action_id": "share_answer", "block_id": "share",
                                            "value": share["value"], "type": "button",
                                            "action_ts": "1700000010.1"}]}), FORM)
    shared = fake.wait_for("chat.postMessage")[0]
    assert shared["channel"] == "C0CHANNEL" and "Shared by <@U0ASKER>" in json.dumps(shared)


def test_slash_help_and_unknown_verbs(app_url, fake) -> None:
    for text in ("help", "", "frobnicate"):
        status, body, _ = post(app_url, command(text, fake.response_url), FORM)
        assert status == 200 and "/spendbot ask" in body


def test_shortcut_opens_a_prefilled_modal_and_posts_the_review(fake, app_url) -> None:
    proposal = ("We will buy a £240m seven-year hosting contract. "
                "We have not planned accessibility testing.")
    post(app_url, interactive({
        "type": "message_action", "callback_id": "review_message",
        "channel": {"id": "C0CHANNEL", "name": "spend-control"}, "message_ts": "1700000020.1",
        "response_url": fake.response_url,
        "message": {"type": "message", "user": "U0AUTHOR", "ts": "1700000020.1",
                    "text": proposal}}), FORM)
    view = fake.wait_for("views.open")[0]["view"]
    assert view["blocks"][0]["element"]["initial_value"] == proposal
    submission = {"type": "view_submission", "view": {
        "id": "V0VIEW", "type": "modal", "callback_id": "review_submit",
        "private_metadata": view["private_metadata"],
        "state": {"values": {"proposal": {"text": {"type": "plain_text_input",
                                                   "value": proposal}}}}}}
    status, _, _ = post(app_url, interactive(submission), FORM)
    assert status == 200
    review = fake.wait_for("chat.postMessage")[0]
    assert review["thread_ts"] == "1700000020.1"
    text = blocks_text(review["blocks"])
    assert "£240m" in text and "£100 million" in text and "Make things accessible" in text


def test_feedback_is_stored_with_its_answer(fake, app_url, state) -> None:
    post(app_url, event(mention("What are the red lines?")), JSON)
    update = fake.wait_for("chat.update")[0]
    buttons = [b for b in update["blocks"] if b.get("block_id") == "feedback"][0]["elements"]
    answer_id = buttons[1]["value"]
    post(app_url, interactive({"type": "block_actions", "channel": {"id": "C0CHANNEL"},
                               "container": {"type": "message"},
                               "response_url": fake.response_url,
                               "actions": [{"action_id": "feedback_not_helpful",
                                            "block_id": "feedback", "value": answer_id,
                                            "type": "button", "action_ts": "1.1"}]}), FORM)
    modal = fake.wait_for("views.open")[0]["view"]
    post(app_url, interactive({"type": "view_submission", "view": {
        "id": "V0VIEW", "type": "modal", "callback_id": "feedback_reason",
        "private_metadata": modal["private_metadata"],
        "state": {"values": {"reason": {"text": {"type": "plain_text_input",
                                                 "value": "It missed the thresholds"}}}}}}),
         FORM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (state.feedback() and
                                               state.feedback()[0]["reason"]):
        time.sleep(0.05)
    [row] = state.feedback()
    assert row["helpful"] == 0 and row["reason"] == "It missed the thresholds"
    assert row["question"] == "What are the red lines?" and row["channel"] == "C0CHANNEL"
    assert "£100 million" in row["answer"]
    assert json.loads(row["chunk_ids"]) and row["created_at"] > 0


def test_app_home_lists_the_corpus(fake, app_url) -> None:
    post(app_url, event({"type": "app_home_opened", "user": "U0ASKER", "channel": "D0HOME",
                         "tab": "home", "event_ts": "1700000030.1"}), JSON)
    view = fake.wait_for("views.publish")[0]
    assert view["user_id"] == "U0ASKER"
    text = blocks_text(view["view"]["blocks"])
    assert "Transformational Government" in text and "November 2005" in text
    assert "Last ingested" in text


def web_command(how: str) -> list[str]:
    """The Procfile's web line as a platform runs it, or `.venv/bin/spendbot serve`."""
    if how == "procfile":
        procfile = (REPO / "Procfile").read_text()
        web_line = next(line for line in procfile.splitlines() if line.startswith("web:"))
        assert web_line.removeprefix("web: ") == "gunicorn " + GUNICORN.format(
            port="${PORT:-3000}")
        return ["bash", "-c", web_line.removeprefix("web: ")]
    return [str(Path(sys.executable).with_name("spendbot")), "serve"]


@pytest.mark.parametrize("how", ["procfile", "spendbot serve"])
def test_the_web_process_serves_signed_events(fake, corpus_settings, how) -> None:
    port = 18000 + os.getpid() % 1000 + (how == "procfile") * 7
    # A platform puts the app's environment on PATH for the Procfile; `spendbot serve` must
    # work with no virtual environment on PATH at all.
    path = (f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
            if how == "procfile" else "/usr/bin:/bin")
    env = {**os.environ, "PORT": str(port), "SLACK_BOT_TOKEN": "xoxb-test-token",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
           "SPENDBOT_STORE": str(corpus_settings.store_dir),
           "SPENDBOT_STATE": str(corpus_settings.store_dir.parent / f"web-{port}.sqlite3"),
           "PATH": path}
    env.pop("VIRTUAL_ENV", None)
    process = subprocess.Popen(web_command(how), env=env, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        seen: list[int] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and 200 not in seen:
            try:
                seen.append(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                                   timeout=2).status)
            except urllib.error.HTTPError as exc:
                seen.append(exc.code)
            except OSError:
                pass  # not listening yet
            time.sleep(0.1)
        # The port answers while the model loads, and says honestly that it is not ready.
        assert seen[0] == 503 and seen[-1] == 200, seen
        url = f"http://127.0.0.1:{port}/slack/events"
        status, _, seconds = post(url, event(mention("What are the red lines?")), JSON)
        assert status == 200 and seconds < 3
        assert "£100 million" in blocks_text(fake.wait_for("chat.update")[0]["blocks"])
        # Two workers behind one URL get the same event and its retries at once: one answer.
        body = event(mention("Who does the service manager report to?", ts="1700000040.1"),
                     event_id="Ev0TWOWORKERS")
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda n: post(url, body, JSON, headers=retry if n else {})[0],
                                     range(6)))
        assert statuses == [200] * 6
        fake.wait_for("chat.update", count=2)
        time.sleep(1.5)
        assert len([c for c in fake.called("chat.postMessage")
                    if c.get("thread_ts") == "1700000040.1"]) == 1
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def test_serve_without_configuration_names_what_is_missing() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    script = Path(sys.executable).with_name("spendbot")
    result = subprocess.run([str(script), "serve"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "SLACK_SIGNING_SECRET" in result.stderr


def test_a_generated_answer_shows_in_slack_with_its_notes_and_the_privacy_warning(
        fake, answerer, services) -> None:
    """With a model configured, Slack shows the model's answer, its notes and citations; with
    an e-mail address in the question, the warning shows and nothing fails."""
    from dataclasses import replace

    from test_generate import scripted

    from bot.generate import GenerativeAnswerer

    model = scripted({"answer": "No IT contract may be worth more than £100 million without "
                                "an exceptional reason [<<£100 million>>].",
                      "sufficient": True, "sources": ["<<£100 million>>"]})
    generative = replace(services, answerer=GenerativeAnswerer(answerer, model))
    url, server = serve(fake, generative)
    try:
        post(url, event(mention("I'm jo.bloggs@example.gov.uk: what are the red lines?")),
             JSON)
        text = blocks_text(fake.wait_for("chat.update")[0]["blocks"])
    finally:
        server.shutdown()
    assert "No IT contract may be worth more than £100 million without an exceptional " \
           "reason [1]." in text
    assert "email address" in text and "jo.bloggs@example.gov.uk" not in text
    assert "not guidance text" in text  # the currency note, from the answer's notes
    assert "[1] Spend control red lines" in text
    assert "Sorry" not in text
