"""The Bolt app: listeners parse what Slack sent, call the answerer or reviewer, render, reply.

Bolt acknowledges every event at once and runs listeners in the background. Slack retries an
event it thinks was acked late, so each `event_id` is answered once (shared state, so this
holds across processes). Bolt already ignores the app's own messages; other bots are
ignored here. Errors reach the user as a short apology with a reference, never a trace.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler

from bot.answer import MAX_QUESTION_CHARS, Answerer
from bot.config import Settings
from bot.privacy import MAX_SCAN_CHARS
from bot.retrieval import StoreUnavailable
from bot.review import ProposalError, Reviewer, check_proposal
from bot.slack import render
from bot.state import State

log = logging.getLogger(__name__)
MODAL_LIMIT = 3000  # Slack's limit on a text input's initial value
MENTION = re.compile(r"<@[A-Z0-9]{1,24}(\|[^>]{0,100})?>")
HISTORY_TURNS = 5
HISTORY_CHARS = MAX_QUESTION_CHARS  # earlier turns, newest first, up to this many in all
ANSWER_ID = re.compile(r"[0-9a-f]{16}")  # what State.save_answer hands out
SLACK_ID = re.compile(r"[A-Z0-9]{1,64}")
# The Slack libraries log request bodies and Web API responses (message text, thread
# history) at DEBUG. Pinning their loggers to INFO keeps that out of every log, whatever
# level the root logger is set to.
for _name in ("slack_sdk", "slack_bolt"):
    logging.getLogger(_name).setLevel(logging.INFO)


class ConfigError(RuntimeError):
    """Start-up configuration is missing; the message names what to set."""


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    signing_secret: str
    app_token: str | None = None
    api_url: str | None = None

    @classmethod
    def from_env(cls, socket_mode: bool = False) -> SlackConfig:
        return cls.from_settings(Settings.load(), socket_mode)

    @classmethod
    def from_settings(cls, settings: Settings, socket_mode: bool = False) -> SlackConfig:
        needed = {"SLACK_BOT_TOKEN": settings.slack_bot_token,
                  "SLACK_SIGNING_SECRET": settings.slack_signing_secret}
        if socket_mode:
            needed["SLACK_APP_TOKEN"] = settings.slack_app_token
        missing = [name for name, value in needed.items() if not value]
        if missing:
            raise ConfigError(f"missing {', '.join(missing)}: set "
                              f"{'it' if len(missing) == 1 else 'them'} in the environment "
                              "(see README, 'Running the Slack app')")
        return cls(settings.slack_bot_token, settings.slack_signing_secret,
                   settings.slack_app_token, settings.slack_api_url)


@dataclass
class Services:
    answerer: Answerer
    reviewer: Reviewer
    state: State


# Calls that change nothing when repeated. A failed chat.postMessage is never retried: Slack
# may have posted it already, and a second copy is worse than a missing placeholder.
IDEMPOTENT = ("chat.update", "views.publish", "views.update", "conversations.replies",
              "auth.test", "chat.delete")


class SafeRetryHandler(RetryHandler):
    """Retry 5xx answers, timeouts and dropped connections, for idempotent calls only."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not request.url.rstrip("/").endswith(IDEMPOTENT):
            return False
        if response is not None:
            return response.status_code >= 500
        return error is not None


def make_client(config: SlackConfig, timeout: int = 10) -> WebClient:
    """A Web API client that honours Retry-After on 429 (Slack did not act on the call) and
    retries server errors and timeouts where repeating the call is safe."""
    kwargs = {"base_url": config.api_url.rstrip("/") + "/"} if config.api_url else {}
    client = WebClient(token=config.bot_token, timeout=timeout, **kwargs)
    client.retry_handlers.extend([RateLimitErrorRetryHandler(max_retry_count=3),
                                  SafeRetryHandler(max_retry_count=3)])
    return client


def question_text(text: str) -> str:
    """The text of a message minus mentions; cut to what the privacy scan ever reads, so a
    40,000-character message costs no more than an 8,000-character one."""
    return MENTION.sub("", (text or "")[:MAX_SCAN_CHARS]).strip()


def cap_history(turns: list[str], limit: int = HISTORY_CHARS) -> list[str]:
    """The latest turns that fit in `limit` characters in all, oldest first: a thread of long
    messages adds no more work to a follow-up than one question does."""
    kept: list[str] = []
    left = limit
    for turn in reversed(turns[-HISTORY_TURNS:]):
        if left <= 0:
            break
        kept.append(turn[:left])
        left -= len(kept[-1])
    return kept[::-1]


def failure(reference: str, exc: BaseException) -> str:
    """A log line for an error: its kind and where it happened, never its message or a trace
    (either can carry a user's text)."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    return f"error {reference}: {type(exc).__name__}{where}"


def create_app(config: SlackConfig, services: Services, client: WebClient | None = None) -> App:
    app = App(token=config.bot_token, signing_secret=config.signing_secret,
              client=client or make_client(config))

    @app.error
    def on_error(error: Exception) -> BoltResponse:
        """Bolt's default handler logs the trace; a listener's error is one line here."""
        log.error("%s in a listener", failure(uuid.uuid4().hex[:8], error))
        return BoltResponse(status=500, body="")

    @app.middleware
    def answer_each_event_once(body: dict, next: Callable) -> BoltResponse | None:
        event_id = body.get("event_id")
        try:
            first = services.state.first_time(event_id) if event_id else True
        except Exception:
            # Without the shared record a retry might be answered twice; answering is the
            # lesser risk than silence, so go on.
            log.warning("state database unavailable; answering event %s without the "
                        "once-only check", event_id)
            first = True
        if not first:
            log.info("event %s already answered; acknowledging the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def guarded(reply: Callable[[str], None], work: Callable[[], None]) -> None:
        try:
            work()
        except StoreUnavailable as exc:
            log.error("vector store unavailable")
            reply(str(exc))
        except Exception as exc:
            reference = uuid.uuid4().hex[:8]
            log.error("%s while answering", failure(reference, exc))
            reply(f"Sorry, something went wrong on my side. If it happens again, quote "
                  f"reference {reference} to the team that runs me.")

    def answer_in_thread(client: WebClient, channel: str, thread_ts: str, question: str,
                         history: list[str], user: str | None) -> None:
        try:
            placeholder = client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                                  text="Looking that up in the guidance…")["ts"]
        except Exception:  # not retried (it might post twice): answer without a placeholder
            log.warning("could not post a placeholder in %s; will post the answer directly",
                        channel)
            placeholder = None

        def send(text: str, blocks: list[dict]) -> None:
            if placeholder:
                client.chat_update(channel=channel, ts=placeholder, text=text, blocks=blocks)
            else:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text,
                                        blocks=blocks)

        def reply(text: str) -> None:
            send(text, render.message(text)[1])

        def work() -> None:
            started = time.perf_counter()
            answer = services.answerer.ask(question, history)
            answer_id = record(answer, channel, user, (time.perf_counter() - started) * 1000)
            text, blocks = render.answer_message(answer, answer_id)
            if answer_id is None:
                blocks.append(render.context("Feedback buttons are unavailable right now."))
            send(text, blocks)

        guarded(reply, work)

    def record(answer, channel: str | None, user: str | None,
               latency_ms: float | None = None) -> str | None:
        """Store an answer for feedback and sharing; None if the database is down."""
        try:
            return services.state.save_answer(answer, channel, user, latency_ms)
        except Exception:
            log.warning("state database unavailable; answer not recorded")
            return None

    def thread_history(client: WebClient, event: dict) -> list[str]:
        """The user turns before this one in the same thread, oldest first."""
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return []
        replies = client.conversations_replies(channel=event["channel"], ts=thread_ts,
                                               limit=50)
        return cap_history([question_text(m.get("text", ""))
                            for m in replies.get("messages", [])
                            if not m.get("bot_id") and m.get("ts") != event.get("ts")
                            and float(m.get("ts", 0)) < float(event["ts"])])

    def from_a_bot(event: dict) -> bool:
        return bool(event.get("bot_id") or event.get("subtype") == "bot_message")

    def answer_event(event: dict, client: WebClient) -> None:
        """A question in a message: answered in its thread, with the thread's earlier turns."""
        answer_in_thread(client, event["channel"], event.get("thread_ts") or event["ts"],
                         question_text(event.get("text", "")), thread_history(client, event),
                         event.get("user"))

    @app.event("app_mention")
    def on_mention(event: dict, client: WebClient) -> None:
        if not from_a_bot(event):
            answer_event(event, client)

    @app.event("message")
    def on_message(event: dict, client: WebClient) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or from_a_bot(event):
            return  # channel chatter, edits and deletions, and bots are not questions
        answer_event(event, client)

    @app.event("app_home_opened")
    def on_home(event: dict, client: WebClient) -> None:
        index = services.answerer.retriever.snapshot()
        client.views_publish(user_id=event["user"],
                             view=render.home_view(index.documents, index.ingested_at))

    @app.command("/spendbot")
    def on_command(ack: Callable, command: dict, respond: Callable, client: WebClient) -> None:
        verb, _, rest = (command.get("text") or "").strip().partition(" ")
        verb = verb.lower()
        if verb == "review":
            ack()
            metadata = json.dumps({"channel": command["channel_id"]})
            client.views_open(trigger_id=command["trigger_id"],
                              view=render.review_modal(rest.strip(), metadata))
            return
        if verb != "ask" or not rest.strip():
            ack(text=render.HELP)
            return
        ack(text="Looking that up in the guidance…")

        def reply(text: str) -> None:
            respond(text=text, response_type="ephemeral", replace_original=True)

        def work() -> None:
            answer = services.answerer.ask(rest)
            answer_id = record(answer, command.get("channel_id"), command.get("user_id"))
            text, blocks = render.answer_message(answer, answer_id, share=answer.answered)
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)

        guarded(reply, work)

    @app.action("share_answer")
    def on_share(ack: Callable, body: dict, action: dict, client: WebClient,
                 respond: Callable) -> None:
        ack()
        value = action.get("value") or ""
        payload = services.state.answer(value) if ANSWER_ID.fullmatch(value) else None
        if payload is None:
            respond(text="That answer has expired; please ask again.", replace_original=False)
            return
        answer = services.answerer.ask(payload["question"])
        answer_id = services.state.save_answer(answer, body["channel"]["id"], body["user"]["id"])
        text, blocks = render.answer_message(answer, answer_id)
        blocks.insert(0, render.context(f"Shared by <@{body['user']['id']}>: "
                                        f"“{render.escape(payload['question'])}”"))
        client.chat_postMessage(channel=body["channel"]["id"], text=text, blocks=blocks)
        respond(delete_original=True)

    @app.action("more_answer")
    def on_more(ack: Callable, action: dict, respond: Callable) -> None:
        """The passages an answer kept back to stay short, in place of the short answer."""
        ack()
        payload = services.state.answer(action["value"])
        if payload is None:
            respond(text="That answer has expired; please ask again.", replace_original=False)
            return
        answer = services.answerer.ask(payload["question"], payload.get("history") or [])
        text, blocks = render.answer_message(answer, action["value"], full=True)
        respond(text=text, blocks=blocks, replace_original=True)

    @app.action("feedback_helpful")
    @app.action("feedback_not_helpful")
    def on_feedback(ack: Callable, body: dict, action: dict, client: WebClient) -> None:
        ack()
        helpful = action["action_id"] == "feedback_helpful"
        channel = (body.get("channel") or {}).get("id")
        user = body["user"]["id"]
        value = action.get("value") or ""
        if not (ANSWER_ID.fullmatch(value) and SLACK_ID.fullmatch(user)
                and (channel is None or SLACK_ID.fullmatch(channel))):
            log.warning("feedback with a malformed answer, user or channel id ignored")
            return
        try:
            feedback_id = services.state.save_feedback(value, helpful, channel, user)
        except Exception:
            log.warning("state database unavailable; feedback not stored")
            if channel:
                client.chat_postEphemeral(
                    channel=channel, user=body["user"]["id"],
                    text="I couldn't record your feedback just now: please click again in a "
                         "few minutes.")
            return
        if feedback_id is None:  # no such answer: nothing to attach the feedback to
            if channel:
                client.chat_postEphemeral(channel=channel, user=user,
                                          text="That answer has expired; please ask again.")
            return
        if not helpful:
            client.views_open(trigger_id=body["trigger_id"],
                              view=render.reason_modal(feedback_id))
        elif channel:
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"],
                                      text="Thanks: your feedback is recorded.")

    @app.view("feedback_reason")
    def on_reason(ack: Callable, view: dict) -> None:
        ack()
        reason = view["state"]["values"]["reason"]["text"].get("value") or ""
        feedback_id = view.get("private_metadata") or ""
        if reason.strip() and feedback_id.isdigit() and len(feedback_id) <= 18:
            services.state.add_reason(int(feedback_id), reason.strip()[:2000])

    @app.shortcut("review_message")
    def on_shortcut(ack: Callable, shortcut: dict, client: WebClient) -> None:
        ack()
        message = shortcut.get("message", {})
        channel = shortcut["channel"]["id"]
        thread_ts = message.get("thread_ts") or message.get("ts")
        text = message.get("text", "")
        if len(text) <= MODAL_LIMIT:
            metadata = json.dumps({"channel": channel, "thread_ts": thread_ts})
            client.views_open(trigger_id=shortcut["trigger_id"],
                              view=render.review_modal(text, metadata))
            return
        # Too long for a modal: review the message as it stands, in its thread.
        post_review(client, channel, thread_ts, shortcut["user"]["id"], text)

    def post_review(client: WebClient, channel: str, thread_ts: str | None, user: str,
                    text: str) -> None:
        def reply(message: str) -> None:
            if thread_ts:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message)
            else:
                client.chat_postEphemeral(channel=channel, user=user, text=message)

        def work() -> None:
            try:
                message, blocks = render.review_message(services.reviewer.review(text))
            except ProposalError as exc:
                message, blocks = render.message(str(exc))
            if thread_ts:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message,
                                        blocks=blocks)
            else:
                client.chat_postEphemeral(channel=channel, user=user, text=message,
                                          blocks=blocks)

        guarded(reply, work)

    @app.view("review_submit")
    def on_review(ack: Callable, body: dict, view: dict, client: WebClient) -> None:
        text = view["state"]["values"]["proposal"]["text"].get("value") or ""
        try:
            check_proposal(text)
        except ProposalError as exc:
            ack(response_action="errors", errors={"proposal": str(exc)[:150]})
            return
        ack()
        metadata = json.loads(view.get("private_metadata") or "{}")
        post_review(client, metadata["channel"], metadata.get("thread_ts"), body["user"]["id"],
                    text)

    return app
