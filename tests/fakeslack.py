"""A fake Slack Web API on 127.0.0.1 that records every call, and Slack-signed requests.

The Bolt app under test is real and runs over real HTTP; only Slack's own servers are
replaced. Payload shapes follow Slack's documentation for the Events API, slash commands
and interactivity (block_actions, message_action, view_submission).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from loopback import LoopbackServer

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER = "U0BOTSPEND"


class FakeSlack(LoopbackServer):
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        # method -> faults to serve first, each {"status": 500} or {"status": 429, "headers":
        # {"Retry-After": "1"}} or {"delay": seconds} (then answers normally)
        self.faults: dict[str, list[dict]] = {}
        self.thread_messages: list[dict] = []
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__()
        self.url = f"{self.base}/api/"
        self.response_url = f"{self.base}/response/1"

    def handle(self, path: str, headers, raw: str) -> tuple[int, dict, object]:
        method = path.rsplit("/", 1)[-1] if path.startswith("/api/") else "response_url"
        body = parse_body(raw, headers.get("Content-Type", ""))
        with self._lock:
            faults = self.faults.get(method)
            fault = faults.pop(0) if faults else None
            self.calls.append((method, body))
        if fault and fault.get("delay"):
            time.sleep(fault["delay"])
        elif fault:
            return fault["status"], fault.get("headers", {}), {"ok": False,
                                                               "error": "ratelimited"}
        return 200, {}, self.respond(method, body)

    def respond(self, method: str, body: dict) -> dict:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "B0BOTSPEND", "team_id": "T0TEAM",
                    "user": "spendbot", "team": "Test", "url": "https://test.slack.com/"}
        if method in ("chat.postMessage", "chat.update"):
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts") or ts,
                    "message": {"text": body.get("text", ""), "ts": body.get("ts") or ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": "V0VIEW", **(body.get("view") or {})}}
        if method == "conversations.replies":
            return {"ok": True, "messages": self.thread_messages, "has_more": False}
        return {"ok": True}

    def called(self, method: str) -> list[dict]:
        with self._lock:
            return [body for name, body in self.calls if name == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.called(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{method} called {len(self.called(method))} times, "
                             f"wanted {count}; calls: {[n for n, _ in self.calls]}")


def parse_body(raw: str, content_type: str) -> dict:
    if "json" in content_type:
        return json.loads(raw or "{}")
    body = {key: values[-1] for key, values in urllib.parse.parse_qs(raw).items()}
    for key in ("blocks", "view", "attachments"):
        if key in body:
            body[key] = json.loads(body[key])
    return body


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def post(url: str, body: str, content_type: str, headers: dict | None = None,
         timestamp: int | None = None, secret: str = SECRET) -> tuple[int, str, float]:
    """POST a signed request as Slack would: (status, response body, seconds to respond)."""
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": content_type, **sign(body, timestamp, secret), **(headers or {})})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.perf_counter() - started


_event_ids = itertools.count(1)
_triggers = itertools.count(1)


def trigger_id() -> str:
    """Slack gives every command and interaction its own trigger id, so no two are alike
    (a request sent twice unchanged is a replay, and is refused)."""
    return f"13345224609.738474920.{next(_triggers):019x}"


def event(inner: dict, event_id: str | None = None) -> str:
    return json.dumps({
        "token": "legacy-token", "team_id": "T0TEAM", "api_app_id": "A0SPEND",
        "event": {"event_ts": inner.get("ts", "1700000001.000100"), **inner},
        "type": "event_callback", "event_id": event_id or f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()), "event_context": "4-eyJldCI6ImFwcF9tZW50aW9uIn0",
        "authorizations": [{"enterprise_id": None, "team_id": "T0TEAM", "user_id": BOT_USER,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False})


def mention(text: str, ts: str = "1700000001.000100", thread_ts: str | None = None,
            channel: str = "C0CHANNEL") -> dict:
    inner = {"type": "app_mention", "user": "U0ASKER", "text": f"<@{BOT_USER}> {text}",
             "ts": ts, "channel": channel, "team": "T0TEAM",
             "client_msg_id": "6b8a1c5e-0000-4c3e-9f0e-000000000001"}
    if thread_ts:
        inner["thread_ts"] = thread_ts
    return inner


def command(text: str, response_url: str) -> str:
    return urllib.parse.urlencode({
        "token": "legacy-token", "team_id": "T0TEAM", "team_domain": "test",
        "channel_id": "C0CHANNEL", "channel_name": "spend-control", "user_id": "U0ASKER",
        "user_name": "asker", "command": "/spendbot", "text": text, "api_app_id": "A0SPEND",
        "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": trigger_id()})


def interactive(payload: dict) -> str:
    return urllib.parse.urlencode({"payload": json.dumps({
        "team": {"id": "T0TEAM", "domain": "test"}, "user": {"id": "U0ASKER", "name": "asker"},
        "api_app_id": "A0SPEND", "token": "legacy-token", "is_enterprise_install": False,
        "trigger_id": trigger_id(), **payload})})
