"""Property-based tests: no input crashes the answerer, the reviewer or the Slack endpoint."""

from __future__ import annotations

import json

from fakeslack import command, interactive, post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_slack import FORM, serve

from bot.answer import MAX_QUESTION_CHARS, Status, normalise_question
from bot.review import ProposalError

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=600) | st.sampled_from([
    "", " ", "\x00", "<!channel>", "<@U123|x>", "&lt;", "£" * 50, "🙂" * 100, "\u202e",
    "What are the red lines?\x1b[31m", "a" * (MAX_QUESTION_CHARS + 5)])


@FUZZ
@given(question=TEXT, history=st.lists(TEXT, max_size=3))
def test_any_question_gets_a_clear_status(answerer, question: str, history: list[str]) -> None:
    answer = answerer.ask(question, history)
    assert answer.status in set(Status)
    assert not any(ch in answer.text for ch in "\x00\x1b")
    if len(normalise_question(question)) > MAX_QUESTION_CHARS:
        assert answer.status is Status.TOO_LONG
    json.dumps(answer.to_dict())  # always serialisable for --format json and Slack


@FUZZ
@given(proposal=TEXT)
def test_any_proposal_is_reviewed_or_refused_with_a_reason(services, proposal: str) -> None:
    try:
        review = services.reviewer.review(proposal)
    except ProposalError as exc:
        assert str(exc)
        return
    assert len(review.criteria) == len(services.reviewer.criteria)
    assert all(f.status in ("addressed", "not_mentioned", "at_odds") for f in review.criteria)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=TEXT, value=TEXT)
def test_slack_endpoint_never_fails_on_odd_fields(fake, services, text: str,
                                                  value: str) -> None:
    url, server = serve(fake, services)
    try:
        status, body, _ = post(url, command(text, fake.response_url), FORM)
        assert status == 200 and "Traceback" not in body
        status, body, _ = post(url, interactive({"type": "view_submission", "view": {
            "id": "V0VIEW", "type": "modal", "callback_id": "review_submit",
            "private_metadata": json.dumps({"channel": "C0CHANNEL"}),
            "state": {"values": {"proposal": {"text": {"type": "plain_text_input",
                                                       "value": value}}}}}}), FORM)
        assert status == 200 and "Traceback" not in body
    finally:
        server.shutdown()
