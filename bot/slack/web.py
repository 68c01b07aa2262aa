"""Running the Slack app: HTTP under gunicorn (`web` process) or Socket Mode (`worker`).

The model and index load once per process, before the first request, so the first user
does not pay for them.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
import threading
from collections.abc import Callable

from flask import Flask, Response, request
from slack_bolt.adapter.flask import SlackRequestHandler

from bot.config import Settings
from bot.slack.app import Services, SlackConfig, create_app

log = logging.getLogger(__name__)
ACK_WAIT_SECONDS = 2.0  # Slack wants an ack within 3 s; past that a 503 makes it retry
GUNICORN = ("--workers 2 --threads 8 --timeout 60 --bind 0.0.0.0:{port} "
            "'bot.slack.web:create_web_app()'")


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
        return SlackRequestHandler(create_app(config, services or build_services(settings),
                                              client))

    if services is not None or load == "now":
        readiness.load(build)
    else:
        threading.Thread(target=readiness.load, args=(build,), name="load-answerer",
                         daemon=True).start()
    web = Flask("spendbot")

    @web.post("/slack/events")
    def slack_events():
        handler = readiness.wait(ACK_WAIT_SECONDS)
        if handler is None:
            return Response("starting up; try again shortly", status=503,
                            headers={"Retry-After": "5"}, mimetype="text/plain")
        return handler.handle(request)

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
