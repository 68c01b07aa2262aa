"""Hostile requests against the real web process: the Procfile's gunicorn command serving
'bot.slack.web:create_web_app()', with a recording fake of Slack's Web API on loopback.

Huge bodies are refused unread (413), unsigned ones before they are parsed (401), signed
garbage plainly (400), replayed slash commands and clicks once (409), and a huge mention
does not hold up the next person's. Nothing reaches a response or the log as a trace.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fakeslack import SECRET, FakeSlack, command, event, interactive, mention, post
from test_slack import FORM, JSON

from bot.slack.web import GUNICORN, MAX_BODY_BYTES

REPO = Path(__file__).resolve().parents[1]
PERSONAL = "jane.doe@cabinetoffice.gov.uk"


@pytest.fixture(scope="module")
def web(corpus_settings, tmp_path_factory):
    """(url, fake Slack, log file) for the web process, started once for these tests."""
    fake = FakeSlack()
    port = 19000 + os.getpid() % 1000
    log = tmp_path_factory.mktemp("gunicorn") / "web.log"
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": fake.url, "SPENDBOT_STORE": str(corpus_settings.store_dir),
           "SPENDBOT_STATE": str(log.parent / "state.sqlite3")}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn",
                                *shlex.split(GUNICORN.format(port=port))],
                               env=env, cwd=REPO, stdout=log.open("w"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/slack/events", fake, log
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        fake.close()
    text = log.read_text()
    assert "Traceback" not in text and PERSONAL not in text and "x" * 200 not in text


def raw_request(url: str, headers: dict[str, str], body: bytes) -> tuple[int, str, float]:
    """Send headers and part of a body, then read the reply until the server closes the
    connection (it must not wait for the rest); (status, reply, seconds)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    started = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\n{head}\r\n".encode())
        try:
            conn.sendall(body)
        except OSError:
            pass  # the server answered and closed without reading: what we want
        reply = b""
        while chunk := conn.recv(65536):  # until the server closes the connection
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    return status, reply.decode("latin-1"), time.perf_counter() - started


@pytest.mark.parametrize("megabytes", [10, 50])
def test_a_huge_body_is_refused_before_it_is_read(web, megabytes: int) -> None:
    url, _, _ = web
    size = megabytes * 1024 * 1024
    status, reply, seconds = raw_request(url, {"Content-Type": JSON,
                                               "Content-Length": str(size)}, b"x" * 65536)
    assert status == 413 and seconds < 2, (status, seconds)
    assert f"{MAX_BODY_BYTES:,}" in reply and "Traceback" not in reply


def test_a_body_of_unknown_length_is_refused_before_it_is_read(web) -> None:
    url, _, _ = web
    status, reply, seconds = raw_request(url, {"Content-Type": JSON,
                                               "Transfer-Encoding": "chunked"},
                                         b"10000\r\n" + b"x" * 65536)
    assert status == 411 and seconds < 2 and "Content-Length is required" in reply


@pytest.mark.parametrize("body, kind", [("{not json", JSON), ("[1, 2]", JSON),
                                        ("payload=%7Bnot+json", FORM), ("\xff\xfe", FORM)])
def test_malformed_bodies_are_refused_plainly(web, body: str, kind: str) -> None:
    url, _, log = web
    unsigned = urllib.request.Request(url, data=body.encode(), method="POST",
                                      headers={"Content-Type": kind})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)
    assert refused.value.code == 401  # checked before anything is parsed
    status, reply, _ = post(url, body, kind)  # signed, but not what Slack sends
    assert status == 400 and reply == "The request body is not a Slack payload.\n"
    assert "Traceback" not in log.read_text()


def test_a_replayed_slash_command_is_answered_once(web) -> None:
    url, fake, _ = web
    body = command("ask What are the red lines?", fake.response_url)
    signed_at = int(time.time())
    with ThreadPoolExecutor(max_workers=4) as pool:  # both workers see copies at once
        statuses = list(pool.map(lambda _: post(url, body, FORM, timestamp=signed_at)[0],
                                 range(4)))
    assert sorted(statuses) == [200, 409, 409, 409]
    fake.wait_for("response_url")
    time.sleep(1.0)
    assert len(fake.called("response_url")) == 1


def test_a_replayed_click_is_refused(web) -> None:
    url, fake, _ = web
    click = interactive({"type": "block_actions", "channel": {"id": "C0CHANNEL"},
                         "container": {"type": "message"}, "response_url": fake.response_url,
                         "actions": [{"action_id": "feedback_helpful", "block_id": "feedback",
                                      "value": "0" * 16, "type": "button",
                                      "action_ts": "1.1"}]})
    signed_at = int(time.time())
    assert [post(url, click, FORM, timestamp=signed_at)[0] for _ in range(2)] == [200, 409]


def test_mentions_right_after_huge_ones_are_acked_at_once(web) -> None:
    """Eight at once, so that both workers hold some (a pattern that ran for seconds held
    its worker's interpreter lock, and every request on that worker waited)."""
    url, fake, _ = web
    huge = [event(mention(f"{PERSONAL} " + "x" * 40_000, ts=f"1700000090.{n}"))
            for n in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        sent = [pool.submit(post, url, body, JSON) for body in huge]
        time.sleep(0.5)  # they are acked, and being answered
        acks = [post(url, event(mention("What are the red lines?", ts=f"1700000091.{n}")),
                     JSON) for n in range(3)]
        assert [f.result()[0] for f in sent] == [200] * 8
    assert all(status == 200 and seconds < 1.0 for status, _, seconds in acks), acks
    deadline = time.monotonic() + 60
    while len([u for u in fake.called("chat.update") if "too long" in u["text"]]) < 8:
        assert time.monotonic() < deadline, "the huge mentions were not declined"
        time.sleep(0.1)
    assert not any(PERSONAL in json.dumps(u) for u in fake.called("chat.update"))
