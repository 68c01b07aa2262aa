"""Running the Slack app: HTTP under gunicorn (`web` process) or Socket Mode (`worker`).

The model and index load once per process, before the first request, so the first user
does not pay for them.

Anyone can POST to the public URL, so each request passes a gate before Bolt sees it: a body
over `MAX_BODY_BYTES` is refused (413) from its Content-Length, unread; the signature is
checked before the body is parsed (401); a signed body that is not the JSON or form Slack
sends is refused (400); a slash command or interaction seen before (same timestamp and
signature: a replay inside Slack's five-minute window) is refused (409), through the state
database so every worker knows. No response or log line carries a trace or a body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import sys
import threading
import uuid
from collections.abc import Callable
from socket import SHUT_RD
from urllib.parse import parse_qs

from flask import Flask, Response, request
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from bot.slack.app import Services, SlackConfig, create_app, failure

log = logging.getLogger(__name__)
ACK_WAIT_SECONDS = 2.0  # Slack wants an ack within 3 s; past that a 503 makes it retry
GUNICORN = ("--workers 2 --threads 8 --timeout 60 --bind 0.0.0.0:{port} "
            "'bot.slack.web:create_web_app()'")
MAX_BODY_BYTES = 1024 * 1024  # Slack's largest payloads (a full modal) are far below this


def parsed(body: bytes, content_type: str) -> dict | None:
    """The request as Slack would send it (a JSON object, or a form whose `payload` is a JSON
    object), or None for anything else."""
    try:
        if content_type.startswith("application/json"):
            data = json.loads(body)
            return data if isinstance(data, dict) else None
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), strict_parsing=True,
                                             keep_blank_values=True).items()}
        if "payload" in form:
            payload = json.loads(form["payload"])
            return form if isinstance(payload, dict) else None
        return form if form else None
    except (ValueError, UnicodeDecodeError):
        return None


def refuse(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def replay_key(timestamp: str, signature: str) -> str:
    """A short key for one signed request, within the 64 characters of `seen_events`."""
    return "request:" + hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()[:56]


def build_services(settings: Settings) -> Services:
    from bot import core

    answerer = core.build_answerer(settings, notify=log.warning)
    # Load the encoder and word index now (without calling a model service, if one is set).
    getattr(answerer, "extractive", answerer).ask("What are the red lines?")
    return Services(answerer, core.build_reviewer(settings, answerer),
                    core.open_state(settings))


class Readiness:
    """Whether this worker can answer yet. The model and index load in the background, so
    the worker's port is honest about it: /healthz is 503 until they are loaded, and an
    event that arrives meanwhile waits briefly, then gets 503 (Slack retries it) instead of
    an ack that comes too late to count."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self.handler: SlackRequestHandler | None = None
        self.services: Services | None = None
        self.failed: str | None = None

    def load(self, build: Callable[[], SlackRequestHandler]) -> None:
        try:
            self.handler = build()
        except Exception as exc:
            log.error("could not load the answerer: %s", exc.__class__.__name__)
            self.failed = exc.__class__.__name__
        finally:
            self._done.set()

    def wait(self, seconds: float) -> SlackRequestHandler | None:
        self._done.wait(seconds)
        return self.handler


def create_web_app(services: Services | None = None, config: SlackConfig | None = None,
                   client=None, load: str = "background") -> Flask:
    """The WSGI app: Slack's events, commands, shortcuts and actions all arrive at one URL.

    `load="now"` loads the answerer before returning (for gunicorn --preload, which loads the
    app once in the master before forking); the default loads it in a background thread.
    """
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.load()
    config = config or SlackConfig.from_settings(settings)
    readiness = Readiness()

    def build() -> SlackRequestHandler:
        readiness.services = services or build_services(settings)
        return SlackRequestHandler(create_app(config, readiness.services, client))

    if services is not None or load == "now":
        readiness.load(build)
    else:
        threading.Thread(target=readiness.load, args=(build,), name="load-answerer",
                         daemon=True).start()
    web = Flask("spendbot")

    verifier = SignatureVerifier(config.signing_secret)

    @web.post("/slack/events")
    def slack_events():
        length = request.content_length
        if length is None or length > MAX_BODY_BYTES:
            stop_reading()
            if length is None:
                return refuse(411, "A Content-Length is required.")
            return refuse(413, f"The request body is {length:,} bytes; the limit is "
                               f"{MAX_BODY_BYTES:,}.")
        body = request.get_data(cache=True)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not signed(body, timestamp, signature):
            return refuse(401, "The request is not signed by Slack, or the signature is stale.")
        content_type = request.content_type or ""
        if parsed(body, content_type) is None:
            return refuse(400, "The request body is not a Slack payload.")
        handler = readiness.wait(ACK_WAIT_SECONDS)
        if handler is None:
            return Response("starting up; try again shortly", status=503,
                            headers={"Retry-After": "5"}, mimetype="text/plain")
        if not content_type.startswith("application/json") and not first_request(
                timestamp, signature):
            log.warning("a replayed slash command or interaction was refused")
            return refuse(409, "This request was already received.")
        return handler.handle(request)

    def signed(body: bytes, timestamp: str, signature: str) -> bool:
        """Slack's signature over this body, made in the last five minutes."""
        if not (timestamp.isdigit() and len(timestamp) <= 12 and signature):
            return False  # absent or not a number: the verifier would raise, not refuse
        return verifier.is_valid(body, timestamp, signature)

    def stop_reading() -> None:
        """Close the connection for reading: gunicorn would otherwise read and discard the
        unread body to keep the connection alive, however long the sender takes."""
        sock = request.environ.get("gunicorn.socket")
        if sock is not None:
            try:
                sock.shutdown(SHUT_RD)
            except OSError:
                pass  # already closed by the sender

    def first_request(timestamp: str, signature: str) -> bool:
        try:
            return readiness.services.state.first_time(replay_key(timestamp, signature))
        except Exception:
            # As for events: without the shared record, answering beats silence.
            log.warning("state database unavailable; request accepted without the replay "
                        "check")
            return True

    @web.errorhandler(Exception)
    def on_error(exc: Exception):
        from werkzeug.exceptions import HTTPException

        if isinstance(exc, HTTPException):
            return refuse(exc.code or 500, exc.name)
        reference = uuid.uuid4().hex[:8]
        log.error("%s while handling a request", failure(reference, exc))
        return refuse(500, f"Internal error, reference {reference}.")

    @web.get("/healthz")
    def health():
        if readiness.handler is not None:
            return Response("ok", mimetype="text/plain")
        state = "failed to load" if readiness.failed else "loading"
        return Response(state, status=503, mimetype="text/plain")

    return web


def serve(settings: Settings) -> int:
    """`spendbot serve`: the Procfile's web process, gunicorn on $PORT."""
    SlackConfig.from_settings(settings)  # a missing token stops start-up here, by name
    command = GUNICORN.format(port=settings.port)
    # The interpreter running us, not whatever `gunicorn` PATH holds: `.venv/bin/spendbot
    # serve` works with no virtual environment activated.
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", *shlex.split(command)])
    return 0  # not reached


def socket(settings: Settings) -> int:
    """`spendbot socket`: the worker process, Socket Mode (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    config = SlackConfig.from_settings(settings, socket_mode=True)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(config, build_services(settings))
    SocketModeHandler(app, config.app_token).start()
    return 0
