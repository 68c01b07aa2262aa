"""Running the Slack app: HTTP under gunicorn (`web` process) or Socket Mode (`worker`).

The model and index load once per process, before the first request, so the first user
does not pay for them.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys

from flask import Flask, request
from slack_bolt.adapter.flask import SlackRequestHandler

from bot.config import Settings
from bot.slack.app import ConfigError, Services, SlackConfig, create_app

log = logging.getLogger(__name__)
GUNICORN = ("--workers 2 --threads 8 --timeout 60 --bind 0.0.0.0:{port} "
            "'bot.slack.web:create_web_app()'")


def build_services(settings: Settings) -> Services:
    from bot import core

    answerer = core.build_answerer(settings, notify=log.warning)
    # Load the encoder and word index now (without calling a model service, if one is set).
    getattr(answerer, "extractive", answerer).ask("What are the red lines?")
    return Services(answerer, core.build_reviewer(settings, answerer),
                    core.open_state(settings))


def create_web_app(services: Services | None = None, config: SlackConfig | None = None,
                   client=None) -> Flask:
    """The WSGI app: Slack's events, commands, shortcuts and actions all arrive at one URL."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = config or SlackConfig.from_env()
    services = services or build_services(Settings.load())
    bolt = create_app(config, services, client)
    handler = SlackRequestHandler(bolt)
    web = Flask("spendbot")

    @web.post("/slack/events")
    def slack_events():
        return handler.handle(request)

    @web.get("/healthz")
    def health():
        return "ok"

    return web


def serve() -> int:
    """`spendbot serve`: the Procfile's web process, gunicorn on $PORT."""
    try:
        SlackConfig.from_env()
    except ConfigError as exc:
        print(f"spendbot serve: {exc}", file=sys.stderr)
        return 2
    command = GUNICORN.format(port=os.environ.get("PORT", "3000"))
    # The interpreter running us, not whatever `gunicorn` PATH holds: `.venv/bin/spendbot
    # serve` works with no virtual environment activated.
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", *shlex.split(command)])
    return 0  # not reached


def socket() -> int:
    """`spendbot socket`: the worker process, Socket Mode (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    try:
        config = SlackConfig.from_env(socket_mode=True)
    except ConfigError as exc:
        print(f"spendbot socket: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(config, build_services(Settings.load()))
    SocketModeHandler(app, config.app_token).start()
    return 0
